# SPDX-License-Identifier: ISC
# crowd.py SOCKET N SECONDS READY: stand-in clients of rsserverd (issue 14):
# N idle ones (connect, send nothing) and N slow ones (a byte every 0.4 s,
# never a line end), each reconnecting as soon as the service closes it,
# for SECONDS; the file READY is made once all are connected.
import os, socket, sys, time
path, n, secs, ready = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), sys.argv[4]
def conn():
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(path)
    s.setblocking(False)
    return s
idle = [conn() for _ in range(n)]
slow = [conn() for _ in range(n)]
open(ready, "w").close()
end = time.time() + secs
while time.time() < end:
    for group, data in ((idle, None), (slow, b"s")):
        for i, s in enumerate(group):
            try:
                if data:
                    s.send(data)
                else:
                    if s.recv(1, socket.MSG_PEEK) == b"":
                        raise OSError
            except BlockingIOError:
                pass
            except OSError:
                s.close()
                group[i] = conn()
    time.sleep(0.4)
