"""The schema's error answers, which every operation can give (drf-spectacular documents only the success):
400 (the service's or the serializer's messages, field by field), 401, 403, 404, 429 — each a JSON object."""

ERROR = {
    "type": "object",
    "description": "An error: `detail`, or each field with its messages.",
    "additionalProperties": True,
}
ANSWERS = {
    "400": "The request was refused: what it sent breaks a rule (the messages say which).",
    "401": "No valid token (or session).",
    "403": "The user's role may not do this, or the object is outside the area for a write.",
    "404": "No such object in the user's area.",
    "429": "Too many requests for this token: wait and try again.",
}
WRITES = {"post", "put", "patch", "delete"}


def document_errors(result, generator, request, public):
    """A drf-spectacular postprocessing hook: add the error answers to every operation."""
    for path, operations in result.get("paths", {}).items():
        for method, operation in operations.items():
            if method not in WRITES | {"get"}:
                continue
            responses = operation.setdefault("responses", {})
            codes = ["401", "403", "429"]
            if "{" in path or method == "get":
                codes.append("404")
            if method in WRITES or method == "get":
                codes.append("400")  # a bad filter or parameter, too
            for code in codes:
                responses.setdefault(
                    code, {"description": ANSWERS[code], "content": {"application/json": {"schema": ERROR}}}
                )
    return result
