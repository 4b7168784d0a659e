import os

from shop.eventbridge import ddb_to_event

BUS = os.environ.get("EVENT_BUS_NAME", "bus")


def handler(event, context):
    return [ddb_to_event(record, BUS, "shop.orders", "OrderCreated") for record in event.get("Records", [])]
