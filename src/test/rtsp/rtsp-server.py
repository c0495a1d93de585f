#!/usr/bin/env python3
"""GStreamer's own RTSP server (gst-rtsp-server, from Debian's gir1.2-gst-rtsp-server-1.0) serving one MP4 file's H.264
track at rtsp://127.0.0.1:PORT/cam, in real time, as an IP camera serves its stream: the other side of roadseg's RTSP
source test (RtspSourceTest).

    python3 rtsp-server.py VIDEO.mp4

Prints {"listening": PORT} once bound, then serves until killed.
"""
import json
import sys

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstRtspServer", "1.0")
from gi.repository import GLib, Gst, GstRtspServer  # noqa: E402

Gst.init(None)
video = sys.argv[1]
server = GstRtspServer.RTSPServer()
server.set_address("127.0.0.1")
server.set_service("0")
factory = GstRtspServer.RTSPMediaFactory()
factory.set_launch(f'( filesrc location="{video}" ! qtdemux ! h264parse ! rtph264pay name=pay0 pt=96 '
                   'config-interval=1 )')
factory.set_shared(True)
server.get_mount_points().add_factory("/cam", factory)
server.attach(None)
print(json.dumps({"listening": server.get_bound_port()}), flush=True)
GLib.MainLoop().run()
