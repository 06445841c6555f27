package io.cairn.hal.linux.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Map;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;

/** Runs NVMe admin commands on a controller character device such as {@code /dev/nvme0}. */
final class NvmeDevice {

    private final String path;

    NvmeDevice(String path) {
        this.path = path;
    }

    Nvme.Controller identifyController() throws IOException {
        return Nvme.parseController(admin(Nvme.IDENTIFY_SIZE, addr -> Nvme.identifyController(addr)));
    }

    Nvme.Namespace identifyNamespace(int nsid) throws IOException {
        return Nvme.parseNamespace(admin(Nvme.IDENTIFY_SIZE, addr -> Nvme.identifyNamespace(nsid, addr)));
    }

    Map<String, Long> smart() throws IOException {
        return Nvme.parseSmart(admin(Nvme.SMART_SIZE, Nvme::smartLog));
    }

    private interface CommandFor {
        ByteBuffer build(long dataAddress);
    }

    private ByteBuffer admin(int size, CommandFor command) throws IOException {
        LibC libc = LibC.get();
        int fd = libc.open(path, LibC.O_RDONLY);
        if (fd < 0) {
            throw new IOException("cannot open NVMe device " + path + ": " + LibC.lastError());
        }
        try (Memory data = new Memory(size); Memory cmd = new Memory(Nvme.CMD_SIZE)) {
            data.clear();
            ByteBuffer encoded = command.build(Pointer.nativeValue(data));
            byte[] bytes = new byte[Nvme.CMD_SIZE];
            encoded.get(0, bytes);
            cmd.write(0, bytes, 0, bytes.length);
            int rc = libc.ioctl(fd, Nvme.NVME_IOCTL_ADMIN_CMD, cmd);
            if (rc < 0) {
                throw new IOException("NVMe admin command on " + path + " failed: " + LibC.lastError());
            }
            if (rc > 0) {
                throw new IOException("NVMe admin command on " + path + " returned status 0x" + Integer.toHexString(rc));
            }
            return ByteBuffer.wrap(data.getByteArray(0, size));
        } finally {
            libc.close(fd);
        }
    }
}
