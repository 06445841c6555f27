package io.cairn.hal.linux.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

import org.osgi.service.component.annotations.Component;

import io.cairn.hal.api.facts.NodeFacts;

/** Node facts from /proc/cpuinfo, /proc/meminfo and /sys/class/net. */
@Component
public final class LinuxNodeFacts implements NodeFacts {

    private final Path proc;
    private final Path sys;

    public LinuxNodeFacts() {
        this(Path.of("/proc"), Path.of("/sys"));
    }

    LinuxNodeFacts(Path proc, Path sys) {
        this.proc = proc;
        this.sys = sys;
    }

    @Override
    public CpuInfo cpu() {
        return parseCpu(read(proc.resolve("cpuinfo")));
    }

    @Override
    public long memoryBytes() {
        return parseMemTotal(read(proc.resolve("meminfo")));
    }

    @Override
    public List<NicInfo> nics() {
        Path net = sys.resolve("class/net");
        List<NicInfo> out = new ArrayList<>();
        try (Stream<Path> s = Files.list(net)) {
            for (Path dir : s.sorted().toList()) {
                long speed = -1;
                try {
                    speed = Long.parseLong(read(dir.resolve("speed")).strip());
                } catch (NumberFormatException | UncheckedReadException e) {
                    // virtual or down interfaces have no speed
                }
                out.add(new NicInfo(dir.getFileName().toString(), readOr(dir.resolve("address"), ""),
                        Integer.parseInt(readOr(dir.resolve("mtu"), "0")), speed < 0 ? -1 : speed,
                        readOr(dir.resolve("operstate"), "down").equals("up")));
            }
        } catch (IOException e) {
            throw new UncheckedReadException(net, e);
        }
        return out;
    }

    static CpuInfo parseCpu(String cpuinfo) {
        String model = "unknown";
        int cores = 0;
        List<String> flags = List.of();
        for (String line : cpuinfo.lines().toList()) {
            int colon = line.indexOf(':');
            if (colon < 0) {
                continue;
            }
            String key = line.substring(0, colon).strip();
            String value = line.substring(colon + 1).strip();
            switch (key) {
                case "processor" -> cores++;
                case "model name" -> model = value;
                case "flags" -> flags = Arrays.asList(value.split("\\s+"));
                default -> {
                }
            }
        }
        return new CpuInfo(model, cores, flags);
    }

    static long parseMemTotal(String meminfo) {
        return meminfo.lines().filter(l -> l.startsWith("MemTotal:")).findFirst()
                .map(l -> Long.parseLong(l.replaceAll("[^0-9]", "")) * 1024)
                .orElseThrow(() -> new IllegalStateException("no MemTotal line in meminfo"));
    }

    private static String readOr(Path p, String fallback) {
        try {
            return read(p).strip();
        } catch (UncheckedReadException e) {
            return fallback;
        }
    }

    private static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            throw new UncheckedReadException(p, e);
        }
    }

    /** A /proc or /sys file could not be read. */
    static final class UncheckedReadException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        UncheckedReadException(Path p, IOException e) {
            super("cannot read " + p + ": " + e.getMessage(), e);
        }
    }
}
