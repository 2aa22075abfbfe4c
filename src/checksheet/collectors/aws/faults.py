"""Why a call failed, in one line a person can act on. Never includes credentials."""

from __future__ import annotations

import re

from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectTimeoutError,
    EndpointConnectionError,
    ReadTimeoutError,
)

_DENIED = frozenset({
    "AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "AuthorizationError",
    "UnauthorizedAccess", "Forbidden", "AuthorizationErrorException", "InsufficientPrivilegesException",
})
_NOT_ENABLED = frozenset({
    "OptInRequired", "InvalidClientTokenId", "UnrecognizedClientException", "AuthFailure",
    "SubscriptionRequiredException", "RegionDisabledException",
})
_THROTTLED = frozenset({
    "Throttling", "ThrottlingException", "ThrottledException", "RequestLimitExceeded", "TooManyRequestsException",
    "RequestThrottled", "RequestThrottledException", "SlowDown", "ProvisionedThroughputExceededException",
    "LimitExceededException",
})
_EXPIRED = frozenset({"ExpiredToken", "ExpiredTokenException", "RequestExpired"})
_MAX_DETAIL = 240
_UNIMPLEMENTED_CODES = frozenset({"NotImplemented", "NotImplementedException", "UnsupportedOperation"})
_UNIMPLEMENTED_TEXT = re.compile(r"\bnot (?:been |yet )?implemented\b|\bNotImplementedError\b", re.IGNORECASE)


def says_unimplemented(code: str, status: int, message: str) -> bool:
    """The endpoint lacks the operation: asking again cannot help (an emulator answers HTTP 500 saying so)."""
    return (code in _UNIMPLEMENTED_CODES or status == 501
            or (status == 500 and bool(_UNIMPLEMENTED_TEXT.search(message))))


def _detail(text: str) -> str:
    """The service's message on one line; an HTML error page (emulators) says nothing useful."""
    if text.lstrip().startswith("<"):
        return ""
    line = re.sub(r"\s+", " ", text).strip()
    return line if len(line) <= _MAX_DETAIL else line[: _MAX_DETAIL - 1] + "…"


def client_error_message(err: ClientError, action: str) -> str:
    error = err.response.get("Error", {})
    code = str(error.get("Code") or "")
    detail = _detail(str(error.get("Message") or ""))
    meta = err.response.get("ResponseMetadata", {})
    status = int(meta.get("HTTPStatusCode") or 0)
    attempts = int(meta.get("RetryAttempts") or 0) + 1
    said = f" ({code}: {detail})" if detail else f" ({code})"
    if code in _DENIED:
        return f"access denied: the scanning identity needs {action}{said}"
    if code in _NOT_ENABLED:
        return f"the region is not enabled for this account or the credentials are not valid there{said}"
    if code in _EXPIRED:
        return f"the credentials expired during the scan{said}"
    if code in _THROTTLED:
        return f"throttled by AWS after {attempts} attempts{said}"
    if code in _UNIMPLEMENTED_CODES or status == 501:
        return f"the endpoint does not implement {action}{said}"
    if says_unimplemented(code, status, detail):  # an emulator's HTTP 500 that says so: not retried
        return f"the endpoint does not implement {action} (HTTP {status}){said}"
    if status >= 500 or code.isdigit():
        hint = f"an emulator may not implement {action}"
        return f"server error HTTP {status or code} after {attempts} attempts ({hint}){said if detail else ''}"
    return f"{code or 'error'}: {detail}" if detail else f"{code or 'error'} (HTTP {status})"


def fault_message(err: Exception, action: str) -> str:
    """One line for a failed call; the action names the missing permission where that is the cause."""
    if isinstance(err, ClientError):
        return client_error_message(err, action)
    if isinstance(err, EndpointConnectionError):
        return f"endpoint unreachable: {err.kwargs.get('endpoint_url', '')}"
    if isinstance(err, ConnectTimeoutError | ReadTimeoutError):
        return f"timed out: {err.kwargs.get('endpoint_url', '')}"
    if isinstance(err, BotoCoreError):
        return f"{type(err).__name__}: {_detail(str(err))}"
    return f"internal error in the collector: {type(err).__name__}: {_detail(str(err))}"
