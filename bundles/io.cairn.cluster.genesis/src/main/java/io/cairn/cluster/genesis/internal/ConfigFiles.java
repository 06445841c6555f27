package io.cairn.cluster.genesis.internal;

import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.util.ArrayList;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

import org.osgi.framework.BundleContext;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;

/**
 * Feeds Configuration Admin from {@code <cairn.home>/etc/config}: {@code <pid>.json} is the
 * configuration {@code pid}, {@code <factoryPid>~<name>.json} the named factory configuration
 * {@code name} of {@code factoryPid}; each file is one JSON object of properties. Every
 * configuration made from a file carries {@value #MARKER} (the file name), so a configuration
 * whose file is gone is deleted. A file is applied again only when its content changed
 * ({@code updateIfDifferent}). The directory is watched; a rescan also runs every
 * {@link #RESCAN_SECONDS} s in case an event was missed. A bad file is logged with what is wrong
 * and skipped (its earlier configuration, if any, is kept); the others still apply.
 */
@Component(service = {}, immediate = true)
public final class ConfigFiles {

    /** Property on every configuration made from a file: the file's name. */
    static final String MARKER = "cairn.config.file";
    static final String SUFFIX = ".json";
    static final long RESCAN_SECONDS = 30;

    private final Logger logger = LoggerFactory.getLogger(ConfigFiles.class);
    private final Path dir;
    private final ConfigurationAdmin cm;
    private final Object lock = new Object();
    private volatile WatchService watcher;
    private volatile Thread thread;
    /** Last problem logged per file, so a bad file is not reported again on every rescan. */
    private final Map<String, String> reported = new java.util.concurrent.ConcurrentHashMap<>();

    @Activate
    public ConfigFiles(BundleContext context, @Reference ConfigurationAdmin cm) throws IOException {
        this(configDir(context), cm);
        sync();
        watch();
    }

    /** For tests: no watching until {@link #watch()}. */
    ConfigFiles(Path dir, ConfigurationAdmin cm) throws IOException {
        this.dir = dir;
        this.cm = cm;
        Files.createDirectories(dir);
    }

    static Path configDir(BundleContext context) {
        String home = context.getProperty("cairn.home");
        if (home == null || home.isBlank()) {
            throw new IllegalStateException("framework property cairn.home is required; start the node with bin/cairn node start");
        }
        return Path.of(home, "etc", "config");
    }

    /** Starts the watcher (a virtual thread) that applies changes of the directory as they happen. */
    void watch() throws IOException {
        WatchService w = dir.getFileSystem().newWatchService();
        dir.register(w, StandardWatchEventKinds.ENTRY_CREATE, StandardWatchEventKinds.ENTRY_MODIFY,
                StandardWatchEventKinds.ENTRY_DELETE);
        watcher = w;
        thread = Thread.ofVirtual().name("cairn-config-files").start(() -> loop(w));
    }

    private void loop(WatchService w) {
        try {
            while (!Thread.currentThread().isInterrupted()) {
                WatchKey key = w.poll(RESCAN_SECONDS, TimeUnit.SECONDS);
                if (key != null) {
                    key.pollEvents();
                    key.reset();
                    // let a writer finish its burst of events, then read everything once
                    for (WatchKey more = w.poll(100, TimeUnit.MILLISECONDS); more != null; more = w.poll(100, TimeUnit.MILLISECONDS)) {
                        more.pollEvents();
                        more.reset();
                    }
                }
                try {
                    sync();
                } catch (RuntimeException e) {
                    logger.warn("applying the configuration files of {} failed: {}", dir, e.toString());
                }
            }
        } catch (InterruptedException | ClosedWatchServiceException e) {
            // deactivated
        }
    }

    @Deactivate
    void deactivate() throws IOException {
        Thread t = thread;
        if (t != null) {
            t.interrupt();
        }
        WatchService w = watcher;
        if (w != null) {
            w.close();
        }
    }

    /** What one pass did, for logs and tests. */
    record Result(List<String> applied, List<String> unchanged, List<String> deleted, Map<String, String> bad) {
    }

    /** Applies every file of the directory and deletes the configurations whose file is gone. */
    Result sync() {
        synchronized (lock) {
            List<String> applied = new ArrayList<>();
            List<String> unchanged = new ArrayList<>();
            List<String> deleted = new ArrayList<>();
            Map<String, String> bad = new TreeMap<>();
            Set<String> present = new TreeSet<>();
            try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*" + SUFFIX)) {
                for (Path f : files) {
                    present.add(f.getFileName().toString());
                }
            } catch (IOException e) {
                logger.warn("cannot list the configuration directory {}: {}; nothing applied or deleted", dir, e.toString());
                return new Result(applied, unchanged, deleted, bad);
            }
            for (String name : present) {
                try {
                    if (apply(name)) {
                        applied.add(name);
                    } else {
                        unchanged.add(name);
                    }
                    reported.remove(name);
                } catch (BadFile e) {
                    bad.put(name, e.getMessage());
                    if (!e.getMessage().equals(reported.put(name, e.getMessage()))) {
                        logger.warn("configuration file {} is not applied: {}", dir.resolve(name), e.getMessage());
                    }
                }
            }
            reported.keySet().retainAll(present);
            try {
                Configuration[] mine = cm.listConfigurations("(" + MARKER + "=*)");
                for (Configuration c : mine == null ? new Configuration[0] : mine) {
                    Object file = c.getProperties() == null ? null : c.getProperties().get(MARKER);
                    if (file instanceof String s && !present.contains(s)) {
                        String pid = c.getPid();
                        c.delete();
                        deleted.add(pid);
                        logger.info("configuration {} deleted: its file {} is gone", pid, s);
                    }
                }
            } catch (IOException | InvalidSyntaxException | IllegalStateException e) {
                logger.warn("cannot delete the configurations whose files are gone from {}: {}", dir, e.toString());
            }
            return new Result(applied, unchanged, deleted, bad);
        }
    }

    /** Applies one file; true if its configuration changed. */
    private boolean apply(String fileName) throws BadFile {
        Pid pid = Pid.of(fileName);
        Dictionary<String, Object> props;
        try {
            props = properties(Files.readAllBytes(dir.resolve(fileName)));
        } catch (IOException e) {
            throw new BadFile("cannot be read: " + e.getMessage());
        }
        props.put(MARKER, fileName);
        try {
            Configuration c = pid.factoryPid() == null ? cm.getConfiguration(pid.pid(), "?")
                    : cm.getFactoryConfiguration(pid.factoryPid(), pid.name(), "?");
            boolean changed = c.updateIfDifferent(props);
            if (changed) {
                logger.info("configuration {} applied from {}", c.getPid(), fileName);
            }
            return changed;
        } catch (IOException | IllegalArgumentException | IllegalStateException e) {
            throw new BadFile("Configuration Admin refused it: " + e.getMessage());
        }
    }

    /** The PID a file name stands for: {@code pid.json} or {@code factoryPid~name.json}. */
    record Pid(String pid, String factoryPid, String name) {

        static Pid of(String fileName) throws BadFile {
            if (!fileName.endsWith(SUFFIX)) {
                throw new BadFile("the name must end in " + SUFFIX);
            }
            String base = fileName.substring(0, fileName.length() - SUFFIX.length());
            int tilde = base.indexOf('~');
            if (tilde < 0) {
                if (base.isBlank()) {
                    throw new BadFile("the name must be <pid>.json or <factoryPid>~<name>.json");
                }
                return new Pid(base, null, null);
            }
            String factory = base.substring(0, tilde);
            String name = base.substring(tilde + 1);
            if (factory.isBlank() || name.isBlank() || name.indexOf('~') >= 0) {
                throw new BadFile("a factory configuration file is named <factoryPid>~<name>.json with one '~' and both parts "
                        + "non-empty, e.g. io.cairn.hal.sim.disk~d0.json");
            }
            return new Pid(base, factory, name);
        }
    }

    /**
     * A JSON object as configuration properties: strings, whole numbers (as {@code Long}), other
     * numbers ({@code Double}), booleans, and arrays of one of those (as {@code String[]},
     * {@code Long[]}, {@code Double[]}, {@code Boolean[]}; an empty array is {@code String[0]}).
     */
    static Dictionary<String, Object> properties(byte[] json) throws BadFile {
        JsonNode root;
        try {
            root = Codec.MAPPER.reader().with(DeserializationFeature.FAIL_ON_TRAILING_TOKENS).readTree(json);
        } catch (JacksonException e) {
            throw new BadFile("not valid JSON: " + e.getOriginalMessage()
                    + (e.getLocation() == null ? "" : " (line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr() + ")"));
        } catch (IOException e) {
            throw new BadFile("cannot be read: " + e.getMessage());
        }
        if (root == null || root.isMissingNode()) {
            throw new BadFile("is empty; it must hold one JSON object of properties, e.g. {\"size.bytes\": 8589934592}");
        }
        if (!root.isObject()) {
            throw new BadFile("must hold one JSON object of properties, not a " + root.getNodeType().toString().toLowerCase(java.util.Locale.ROOT));
        }
        Hashtable<String, Object> props = new Hashtable<>();
        for (Map.Entry<String, JsonNode> e : root.properties()) {
            String key = e.getKey();
            if (key.isBlank() || key.equals(MARKER) || key.equals("service.pid") || key.equals(ConfigurationAdmin.SERVICE_FACTORYPID)
                    || key.equals(ConfigurationAdmin.SERVICE_BUNDLELOCATION)) {
                throw new BadFile("property '" + key + "' cannot be set from a file (it is blank or reserved)");
            }
            props.put(key, value(key, e.getValue()));
        }
        return props;
    }

    private static Object value(String key, JsonNode v) throws BadFile {
        if (v.isTextual()) {
            return v.asText();
        }
        if (v.isBoolean()) {
            return v.asBoolean();
        }
        if (v.isIntegralNumber()) {
            if (!v.canConvertToLong()) {
                throw new BadFile("property '" + key + "' = " + v + " does not fit a long");
            }
            return v.asLong();
        }
        if (v.isNumber()) {
            return v.asDouble();
        }
        if (v.isArray()) {
            if (v.isEmpty()) {
                return new String[0];
            }
            JsonNode first = v.get(0);
            Object[] out;
            if (first.isTextual()) {
                out = new String[v.size()];
            } else if (first.isBoolean()) {
                out = new Boolean[v.size()];
            } else if (first.isIntegralNumber()) {
                out = allIntegral(v) ? new Long[v.size()] : new Double[v.size()];
            } else if (first.isNumber()) {
                out = new Double[v.size()];
            } else {
                throw new BadFile("property '" + key + "': an array must hold strings, numbers or booleans, not " + kind(first));
            }
            for (int i = 0; i < v.size(); i++) {
                JsonNode x = v.get(i);
                Object item = value(key, x);
                if (out instanceof Double[] && item instanceof Long l) {
                    item = l.doubleValue();
                }
                if (x.isArray() || !out.getClass().getComponentType().isInstance(item)) {
                    throw new BadFile("property '" + key + "': every element of an array must have the same type; element " + i
                            + " is " + kind(x) + ", element 0 is " + kind(first));
                }
                out[i] = item;
            }
            return out;
        }
        throw new BadFile("property '" + key + "' is " + kind(v) + "; allowed are strings, numbers, booleans and arrays of one of those");
    }

    private static boolean allIntegral(JsonNode array) {
        for (JsonNode x : array) {
            if (x.isNumber() && !x.isIntegralNumber()) {
                return false;
            }
        }
        return true;
    }

    private static String kind(JsonNode n) {
        return switch (n.getNodeType()) {
            case NULL -> "null";
            case OBJECT -> "an object";
            case ARRAY -> "an array";
            case STRING -> "a string";
            case BOOLEAN -> "a boolean";
            case NUMBER -> "a number";
            default -> n.getNodeType().toString().toLowerCase(java.util.Locale.ROOT);
        };
    }

    /** A configuration file that cannot be applied; the message says what is wrong. */
    static final class BadFile extends Exception {
        private static final long serialVersionUID = 1L;

        BadFile(String message) {
            super(message);
        }
    }
}
