from shop import iam_user_id, response


def handler(event, context):
    user = iam_user_id(event)
    return response("unauthorized", 401) if user is None else response({"ok": True})
