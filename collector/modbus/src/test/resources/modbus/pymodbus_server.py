"""A Modbus TCP server from pymodbus (Debian python3-pymodbus), serving known values.

Usage: pymodbus_server.py PORT. The register words are computed here with struct, independently of
kilowatch's decoder; ModbusPeerTest decodes them and checks the values.
"""
import asyncio
import struct
import sys

from pymodbus.datastore import (ModbusSequentialDataBlock, ModbusServerContext,
                                ModbusSlaveContext, ModbusSparseDataBlock)
from pymodbus.server import StartAsyncTcpServer


def words(raw):
    return [int.from_bytes(raw[i:i + 2], "big") for i in range(0, len(raw), 2)]


def cdab(ws):
    return list(reversed(ws))


def badc(raw):
    return words(bytes(b for i in range(0, len(raw), 2) for b in (raw[i + 1], raw[i])))


def dcba(raw):
    return words(raw[::-1])


holding = {}
def put(address, ws):
    for i, w in enumerate(ws):
        holding[address + i] = w

put(0, words(struct.pack(">f", 230.5)))                 # float32 abcd
put(2, cdab(words(struct.pack(">i", -123456))))         # int32 cdab
put(4, words(struct.pack(">Q", 1234567890123)))         # uint64 abcd
put(8, words(struct.pack(">h", -2)))                    # int16
put(9, badc(struct.pack(">f", -1.5)))                   # float32 badc
put(11, dcba(struct.pack(">d", -2.5)))                  # float64 dcba
put(20, words(b"PYMODBUS"))                             # string, 4 registers
# address 30 is left out: the sparse block answers exception 2 (illegal data address) for it.

inputs = [0x1234] + words(struct.pack(">I", 4294967295))  # uint16, uint32 at the top of its range


async def main(port):
    store = ModbusSlaveContext(
        hr=ModbusSparseDataBlock(holding),
        ir=ModbusSequentialDataBlock(0, inputs),
        co=ModbusSequentialDataBlock(0, [True, False, False, False, False, False, False, False]),
        di=ModbusSequentialDataBlock(0, [False, False, False, True, False, False, False, False]),
        zero_mode=True)
    context = ModbusServerContext(slaves=store, single=True)
    await StartAsyncTcpServer(context, address=("127.0.0.1", port))


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1])))
