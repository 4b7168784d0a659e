import os

from service.dal.db_handler import DalHandler
from service.dal.memory_dal import MemoryDal

# built once per execution environment, as a persistence layer would be
PERSISTENCE: DalHandler = MemoryDal(os.environ.get("IDEMPOTENCY_TABLE", "idempotency"))
