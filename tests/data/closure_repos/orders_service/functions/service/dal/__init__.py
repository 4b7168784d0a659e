import os

from service.dal.db_handler import DalHandler


def get_dal_handler() -> DalHandler:
    from service.dal.memory_dal import MemoryDal  # the one implementation; a real one would pick by setting

    return MemoryDal(os.environ.get("TABLE_NAME", "orders"))
