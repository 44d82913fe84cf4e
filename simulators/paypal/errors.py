"""PayPal's error bodies: ``{name, message, debug_id, details[{field, value, location, issue,
description}], links}`` for v2 APIs, ``information_link`` instead of ``links`` for v1 APIs.

Handlers raise :class:`PayPalError`; the app turns it into the response. Issue names and texts
follow PayPal's published Orders v2 error catalogue.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# name -> (HTTP status, message)
ERROR_NAMES: dict[str, tuple[int, str]] = {
    "INVALID_REQUEST": (
        400,
        "Request is not well-formed, syntactically incorrect, or violates schema.",
    ),
    "VALIDATION_ERROR": (400, "Invalid request - see details"),
    "AUTHENTICATION_FAILURE": (
        401,
        "Authentication failed due to invalid authentication credentials or a missing "
        "Authorization header.",
    ),
    "NOT_AUTHORIZED": (403, "Authorization failed due to insufficient permissions."),
    "RESOURCE_NOT_FOUND": (404, "The specified resource does not exist."),
    "METHOD_NOT_SUPPORTED": (405, "The server does not implement the requested HTTP method."),
    "UNPROCESSABLE_ENTITY": (
        422,
        "The requested action could not be performed, semantically incorrect, or failed "
        "business validation.",
    ),
    "RATE_LIMIT_REACHED": (429, "Too many requests. Blocked due to rate limiting."),
    "INTERNAL_SERVER_ERROR": (500, "An internal server error occurred."),
    "SERVICE_UNAVAILABLE": (503, "Service Unavailable."),
    "WEBHOOK_URL_ALREADY_EXISTS": (400, "Webhook URL already exists"),
    "WEBHOOK_NUMBER_LIMIT_EXCEEDED": (400, "Maximum number of webhooks per app exceeded"),
    "INVALID_RESOURCE_ID": (404, "Resource id is invalid."),
}

# issue -> description, as PayPal words them.
ISSUE_DESCRIPTIONS: dict[str, str] = {
    "MALFORMED_REQUEST_JSON": "The request JSON is not well formed.",
    "MISSING_REQUIRED_PARAMETER": "A required field / parameter is missing.",
    "INVALID_PARAMETER_VALUE": "The value of a field is invalid.",
    "INVALID_PARAMETER_SYNTAX": "The value of a field does not conform to the expected format.",
    "INVALID_STRING_LENGTH": "The value of a field is either too short or too long.",
    "INVALID_ARRAY_MAX_ITEMS": "The number of items in an array parameter is too large.",
    "DECIMAL_PRECISION": (
        "If the currency supports decimals, only two decimal place precision is supported."
    ),
    "CANNOT_BE_ZERO_OR_NEGATIVE": (
        "Must be greater than zero. If the currency supports decimals, only two decimal place "
        "precision is supported."
    ),
    "CURRENCY_NOT_SUPPORTED": "Currency code is not currently supported.",
    "AMOUNT_MISMATCH": (
        "Should equal item_total + tax_total + shipping + handling + insurance - "
        "shipping_discount - discount."
    ),
    "ITEM_TOTAL_MISMATCH": (
        "Should equal sum of (unit_amount * quantity) across all items for a given purchase_unit."
    ),
    "ITEM_TOTAL_REQUIRED": (
        "If item details are specified (items.unit_amount and items.quantity) corresponding "
        "amount.breakdown.item_total is required."
    ),
    "CURRENCY_MISMATCH": "Currency code should be same across all amounts in a purchase_unit.",
    "DUPLICATE_REFERENCE_ID": (
        "`reference_id` must be unique if multiple purchase_unit are provided."
    ),
    "REFERENCE_ID_REQUIRED": "'reference_id' is required for each 'purchase_unit' if multiple "
    "'purchase_unit' are provided.",
    "INVALID_RESOURCE_ID": "Specified resource ID does not exist. Please check the resource ID "
    "and try again.",
    "ORDER_NOT_APPROVED": (
        "Payer has not yet approved the Order for payment. Please redirect the payer to the "
        "'rel':'approve' url returned as part of the HATEOAS links within the Create Order call "
        "or provide a valid payment_source in the request."
    ),
    "ORDER_ALREADY_CAPTURED": (
        "Order already captured.If 'intent=CAPTURE' only one capture per order is allowed."
    ),
    "ORDER_EXPIRED": "The order has expired and can no longer be captured.",
    "ACTION_DOES_NOT_MATCH_INTENT": (
        "Order was created with an intent to 'AUTHORIZE'. Please use the authorize action."
    ),
    "INSTRUMENT_DECLINED": (
        "The instrument presented  was either declined by the processor or bank, or it can't be "
        "used for this payment."
    ),
    "DUPLICATE_INVOICE_ID": (
        "Duplicate Invoice ID detected. To avoid a potential duplicate transaction your account "
        "setting requires that Invoice Id be unique for each transaction."
    ),
    "PAYPAL_REQUEST_ID_PREVIOUSLY_USED": (
        "The PayPal-Request-Id has already been used for another request."
    ),
    # Refunds (Payments v2, captures.refund 422 issues).
    "CAPTURE_FULLY_REFUNDED": "The capture has already been fully refunded",
    "REFUND_AMOUNT_EXCEEDED": (
        "The refund amount must be less than or equal to the capture amount that has not yet "
        "been refunded."
    ),
    "REFUND_CAPTURE_CURRENCY_MISMATCH": "Refund must be in the same currency as the capture",
    "REFUND_NOT_ALLOWED": "Capture cannot be refunded.",
    "REFUND_TIME_LIMIT_EXCEEDED": (
        "You are over the time limit to perform a refund on this capture"
    ),
    "UNSUPPORTED_PATCH_OPERATION": "Patch is not supported by this simulator.",
}


@dataclass
class ErrorDetail:
    issue: str
    field: str | None = None
    value: Any = None
    location: str = "body"
    description: str | None = None

    def as_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {}
        if self.field is not None:
            body["field"] = self.field
        if self.value is not None:
            body["value"] = self.value if isinstance(self.value, str) else str(self.value)
        body["location"] = self.location
        body["issue"] = self.issue
        body["description"] = self.description or ISSUE_DESCRIPTIONS.get(self.issue, self.issue)
        return body


@dataclass
class PayPalError(Exception):
    """Raised by handlers; rendered as PayPal's error body with a fresh debug_id."""

    name: str
    details: list[ErrorDetail] = field(default_factory=list)
    message: str | None = None
    status: int | None = None
    extra_links: list[dict[str, str]] = field(default_factory=list)

    @property
    def http_status(self) -> int:
        return self.status or ERROR_NAMES.get(self.name, (500, ""))[0]

    def body(self, debug_id: str, *, v1: bool = False) -> dict[str, Any]:
        message = self.message or ERROR_NAMES.get(self.name, (500, self.name))[1]
        body: dict[str, Any] = {"name": self.name}
        if self.details:
            body["details"] = [detail.as_json() for detail in self.details]
        body["message"] = message
        body["debug_id"] = debug_id
        anchor = self.details[0].issue if self.details else self.name
        information = f"https://developer.paypal.com/docs/api/orders/v2/#error-{anchor}"
        if v1:
            body["information_link"] = "https://developer.paypal.com/docs/api/overview/#error"
        else:
            body["links"] = [
                {"href": information, "rel": "information_link", "method": "GET"},
                *self.extra_links,
            ]
        return body


def invalid_request(issue: str, field: str | None, value: Any = None) -> PayPalError:
    """400 INVALID_REQUEST with one detail: schema-level problems."""
    return PayPalError("INVALID_REQUEST", [ErrorDetail(issue, field, value)])


def unprocessable(
    issue: str, field: str | None = None, value: Any = None, location: str = "body"
) -> PayPalError:
    """422 UNPROCESSABLE_ENTITY with one detail: business-rule problems."""
    return PayPalError("UNPROCESSABLE_ENTITY", [ErrorDetail(issue, field, value, location)])


def order_not_found(order_id: str) -> PayPalError:
    return PayPalError(
        "RESOURCE_NOT_FOUND",
        [ErrorDetail("INVALID_RESOURCE_ID", None, None, "path")],
        message="The specified resource does not exist.",
    )
