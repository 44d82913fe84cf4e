"""API errors as gRPC status codes, with the messages Google's frontends use where known."""

from __future__ import annotations


class ApiError(Exception):
    """An RPC failure: ``code_name`` is a ``grpc.StatusCode`` member name (``NOT_FOUND``, ...)."""

    def __init__(self, code_name: str, message: str) -> None:
        super().__init__(message)
        self.code_name = code_name
        self.message = message


def not_found(what: str = "") -> ApiError:
    detail = f" ({what})" if what else ""
    return ApiError("NOT_FOUND", f"Requested entity was not found.{detail}")


def already_exists(message: str = "Requested entity already exists") -> ApiError:
    return ApiError("ALREADY_EXISTS", message)


def invalid_argument(message: str) -> ApiError:
    return ApiError("INVALID_ARGUMENT", message)


def failed_precondition(message: str) -> ApiError:
    return ApiError("FAILED_PRECONDITION", message)


def unimplemented(message: str) -> ApiError:
    return ApiError("UNIMPLEMENTED", message)


# Cloud Tasks' answer to a name still inside its de-duplication window (seen in the wild:
# stackkit/laravel-google-cloud-tasks-queue#130).
TOMBSTONE_MESSAGE = (
    "The task cannot be created because a task with this name existed too recently. For more "
    "information about task de-duplication see https://cloud.google.com/tasks/docs/reference/"
    "rest/v2/projects.locations.queues.tasks/create#body.request_body.FIELDS.task."
)
