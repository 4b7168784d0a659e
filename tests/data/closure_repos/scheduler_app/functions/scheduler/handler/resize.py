from scheduler.handler.environment import Environment


def lambda_handler(event: dict, context) -> dict:
    # imported here, not at the top: only a resize needs the size table
    from scheduler.util.sizes import next_size

    Environment.from_env()
    return {"size": next_size(event.get("size", "small"))}
