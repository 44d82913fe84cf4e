"""GET /pricing/catalog, POST /pricing/quote, POST /pricing/validate-voucher."""

from __future__ import annotations

import functions_framework

from functions.routes import endpoint
from shared.platform.http import Call
from shared.pricing import quoting
from shared.pricing.models import CatalogResponse, QuoteResponse, VoucherValidateResponse


@functions_framework.http
@endpoint("pricing_catalog")
def pricing_catalog(call: Call) -> CatalogResponse:
    return quoting.catalog(call.settings)


@functions_framework.http
@endpoint("pricing_quote")
def pricing_quote(call: Call) -> QuoteResponse:
    return quoting.quote_session(
        call.settings,
        call.body.session_id,
        voucher_code=call.body.voucher_code,
        client_ip=call.client_ip,
        language=call.body.language,
    )


@functions_framework.http
@endpoint("pricing_validate_voucher")
def pricing_validate_voucher(call: Call) -> VoucherValidateResponse:
    return quoting.validate_voucher(
        call.settings, call.body.code, client_ip=call.client_ip, language=call.body.language
    )
