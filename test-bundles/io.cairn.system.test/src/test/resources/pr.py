#!/usr/bin/env python3
"""SCSI-3 persistent reservation commands through libiscsi (libiscsi7, via ctypes: the machine has no
libiscsi headers and no kernel initiator for sg_persist). One command per run, one fresh session with an ISID fixed
per initiator name (so the runs of one initiator are one initiator port):

  pr.py PORTAL TARGET INITIATOR register KEY       PERSISTENT RESERVE OUT REGISTER (service action key KEY)
  pr.py PORTAL TARGET INITIATOR reserve KEY TYPE   PERSISTENT RESERVE OUT RESERVE (1 write exclusive, 3 exclusive access)
  pr.py PORTAL TARGET INITIATOR keys               PERSISTENT RESERVE IN READ KEYS: prints "key 0x..." per key
  pr.py PORTAL TARGET INITIATOR write LBA          WRITE(10) of one 512-byte block at LBA

Prints "status 0x.." (the SCSI status: 0x00 GOOD, 0x18 RESERVATION CONFLICT) and exits 0 when the command
ran (whatever its status), 1 when the session could not be established, 2 on bad arguments.
"""
import ctypes
import sys
import zlib

lib = ctypes.CDLL("libiscsi.so.7")
lib.iscsi_create_context.restype = ctypes.c_void_p
lib.iscsi_create_context.argtypes = [ctypes.c_char_p]
lib.iscsi_set_targetname.argtypes = [ctypes.c_void_p, ctypes.c_char_p]
lib.iscsi_set_session_type.argtypes = [ctypes.c_void_p, ctypes.c_int]
lib.iscsi_set_header_digest.argtypes = [ctypes.c_void_p, ctypes.c_int]
lib.iscsi_set_isid_random.argtypes = [ctypes.c_void_p, ctypes.c_uint32, ctypes.c_uint32]
lib.iscsi_full_connect_sync.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int]
lib.iscsi_get_error.restype = ctypes.c_char_p
lib.iscsi_get_error.argtypes = [ctypes.c_void_p]
lib.iscsi_persistent_reserve_out_sync.restype = ctypes.c_void_p
lib.iscsi_persistent_reserve_out_sync.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.c_int, ctypes.c_int, ctypes.c_int,
                                                  ctypes.c_void_p]
lib.iscsi_persistent_reserve_in_sync.restype = ctypes.c_void_p
lib.iscsi_persistent_reserve_in_sync.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.c_int, ctypes.c_uint16]
lib.iscsi_write10_sync.restype = ctypes.c_void_p
lib.iscsi_write10_sync.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.c_uint32, ctypes.c_char_p, ctypes.c_uint32, ctypes.c_int,
                                   ctypes.c_int, ctypes.c_int, ctypes.c_int, ctypes.c_int, ctypes.c_int]
lib.scsi_datain_unmarshall.restype = ctypes.c_void_p
lib.scsi_datain_unmarshall.argtypes = [ctypes.c_void_p]
lib.scsi_free_scsi_task.argtypes = [ctypes.c_void_p]
lib.iscsi_logout_sync.argtypes = [ctypes.c_void_p]
lib.iscsi_destroy_context.argtypes = [ctypes.c_void_p]

ISCSI_SESSION_NORMAL = 2
ISCSI_HEADER_DIGEST_NONE = 0


class ProutBasic(ctypes.Structure):
    """struct scsi_persistent_reserve_out_basic"""
    _fields_ = [("reservation_key", ctypes.c_uint64), ("service_action_reservation_key", ctypes.c_uint64),
                ("spec_i_pt", ctypes.c_uint8), ("all_tg_pt", ctypes.c_uint8), ("aptpl", ctypes.c_uint8)]


def status(task):
    return ctypes.cast(task, ctypes.POINTER(ctypes.c_int))[0]  # struct scsi_task starts with int status


def main(argv):
    if len(argv) < 5:
        print(__doc__, file=sys.stderr)
        return 2
    portal, target, initiator, command = argv[1:5]
    iscsi = lib.iscsi_create_context(initiator.encode())
    lib.iscsi_set_targetname(iscsi, target.encode())
    lib.iscsi_set_session_type(iscsi, ISCSI_SESSION_NORMAL)
    lib.iscsi_set_header_digest(iscsi, ISCSI_HEADER_DIGEST_NONE)
    # registrations belong to the I_T nexus (initiator name and ISID): one fixed ISID per initiator name, so every run
    # of the same initiator is the same initiator port
    lib.iscsi_set_isid_random(iscsi, zlib.crc32(initiator.encode()) & 0xffffff, 0)
    if lib.iscsi_full_connect_sync(iscsi, portal.encode(), 0) != 0:
        print("login to %s at %s failed: %s" % (target, portal, lib.iscsi_get_error(iscsi).decode()))
        lib.iscsi_destroy_context(iscsi)
        return 1
    try:
        if command in ("register", "reserve"):
            params = ProutBasic()
            key = int(argv[5], 0)
            if command == "register":
                params.service_action_reservation_key = key
                task = lib.iscsi_persistent_reserve_out_sync(iscsi, 0, 0x00, 0, 0, ctypes.byref(params))
            else:
                params.reservation_key = key
                task = lib.iscsi_persistent_reserve_out_sync(iscsi, 0, 0x01, 0, int(argv[6], 0), ctypes.byref(params))
        elif command == "keys":
            task = lib.iscsi_persistent_reserve_in_sync(iscsi, 0, 0x00, 16384)
            if task and status(task) == 0:
                keys = lib.scsi_datain_unmarshall(task)
                count = ctypes.cast(keys + 8, ctypes.POINTER(ctypes.c_int))[0]  # prgeneration, additional_length, num_keys
                for i in range(count):
                    print("key 0x%x" % ctypes.cast(keys + 16 + 8 * i, ctypes.POINTER(ctypes.c_uint64))[0])
        elif command == "write":
            block = (b"Y" * 512)
            task = lib.iscsi_write10_sync(iscsi, 0, int(argv[5], 0), block, 512, 512, 0, 0, 0, 0, 0)
        else:
            print("unknown command " + command, file=sys.stderr)
            return 2
        if not task:
            print("the command failed at the transport: %s" % lib.iscsi_get_error(iscsi).decode())
            return 1
        print("status 0x%02x" % status(task))
        lib.scsi_free_scsi_task(task)
        return 0
    finally:
        lib.iscsi_logout_sync(iscsi)
        lib.iscsi_destroy_context(iscsi)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
