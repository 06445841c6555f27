package io.cairn.launcher;

import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Runs Foundation (spec 10 §5: a service in every CVM) in the controller JVM, next to Felix: the
 * slot's {@code tools/foundation/*.jar} (the Foundation tool and its libraries) in a class loader of
 * their own (parent: the platform class loader, so nothing is shared with the framework or the
 * bundles), entry {@code io.cairn.foundation.NodeFoundation.start(Path home, String ip, Map props)}.
 * Foundation is a tool with tool-only dependencies (cluster creation through io.cairn.cli, image
 * verification through io.cairn.image, BMC access through hal.sim's and hal.ipmi's internals), not an
 * OSGi bundle; see the launcher readme. A node without {@code tools/foundation/}, or with
 * {@code cairn.foundation.listen=off}, runs none; a Foundation that cannot start (port taken) is
 * logged and the controller runs on. Foundation has no authentication, so it answers only while the
 * node is in factory state: {@code NodeFoundation.start} returns null on a configured node and closes
 * its own listener when the node joins a cluster (unless {@code cairn.foundation.serve=always}); the
 * launcher passes it the settings and closes what is left at exit.
 */
final class FoundationHost implements AutoCloseable {

    static final String ENTRY = "io.cairn.foundation.NodeFoundation";

    private final URLClassLoader loader;
    private final AutoCloseable service;

    private FoundationHost(URLClassLoader loader, AutoCloseable service) {
        this.loader = loader;
        this.service = service;
    }

    /** Starts Foundation for the node, or returns null (logged why) when it does not run. */
    static FoundationHost start(NodeHome home, String ip, Map<String, String> frameworkProps) {
        Path dir = home.slotDir().resolve("tools/foundation");
        Map<String, String> props = new HashMap<>();
        frameworkProps.forEach((k, v) -> {
            if (k.startsWith("cairn.foundation.")) {
                props.put(k, v);
            }
        });
        System.getProperties().forEach((k, v) -> {
            if (k.toString().startsWith("cairn.foundation.")) {
                props.put(k.toString(), v.toString());
            }
        });
        if ("off".equals(props.get("cairn.foundation.listen"))) {
            Launcher.log("Foundation: off (cairn.foundation.listen=off)");
            return null;
        }
        List<Path> jars;
        try {
            jars = classPath(dir, home.slotDir().resolve("bundles"));
        } catch (IOException e) {
            Launcher.log("Foundation: not started: " + e.getMessage());
            return null;
        }
        if (jars.isEmpty()) {
            Launcher.log("Foundation: not in this image (no " + dir + ")");
            return null;
        }
        URL[] urls = new URL[jars.size()];
        try {
            for (int i = 0; i < urls.length; i++) {
                urls[i] = jars.get(i).toUri().toURL();
            }
        } catch (java.net.MalformedURLException e) {
            Launcher.log("Foundation: not started: " + e.getMessage());
            return null;
        }
        URLClassLoader loader = new URLClassLoader("foundation", urls, ClassLoader.getPlatformClassLoader());
        Thread t = Thread.currentThread();
        ClassLoader before = t.getContextClassLoader();
        t.setContextClassLoader(loader);
        try {
            Method m = loader.loadClass(ENTRY).getMethod("start", Path.class, String.class, Map.class);
            AutoCloseable service = (AutoCloseable) m.invoke(null, home.root(), ip, Map.copyOf(props));
            if (service == null) {
                close(loader);
                return null;
            }
            Launcher.log("Foundation on " + service);
            return new FoundationHost(loader, service);
        } catch (InvocationTargetException e) {
            Launcher.log("Foundation: not started: " + e.getCause().getMessage());
        } catch (ReflectiveOperationException | LinkageError | ClassCastException e) {
            Launcher.log("Foundation: not started: the image's " + dir + " has no usable " + ENTRY + " (" + e + ")");
        } finally {
            t.setContextClassLoader(before);
        }
        close(loader);
        return null;
    }

    /**
     * {@code dir/*.jar}, then for each prefix in {@code dir/from-bundles.list} the one jar of the slot's
     * {@code bundles/} named prefix + version (the libraries the bundles hold already). Empty when
     * {@code dir} does not exist; an error when a listed jar is missing.
     */
    static List<Path> classPath(Path dir, Path bundles) throws IOException {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        List<Path> out = new java.util.ArrayList<>();
        try (Stream<Path> s = Files.list(dir)) {
            s.filter(p -> p.getFileName().toString().endsWith(".jar")).sorted().forEach(out::add);
        }
        Path list = dir.resolve("from-bundles.list");
        if (Files.isRegularFile(list)) {
            List<Path> available;
            try (Stream<Path> s = Files.isDirectory(bundles) ? Files.list(bundles) : Stream.empty()) {
                available = s.filter(p -> p.getFileName().toString().endsWith(".jar")).sorted().toList();
            }
            for (String line : Files.readAllLines(list)) {
                String prefix = line.strip();
                if (prefix.isEmpty() || prefix.startsWith("#")) {
                    continue;
                }
                List<Path> hits = available.stream().filter(p -> {
                    String n = p.getFileName().toString();
                    return n.startsWith(prefix) && n.length() > prefix.length() && Character.isDigit(n.charAt(prefix.length()));
                }).toList();
                if (hits.size() != 1) {
                    throw new IOException(list + " names " + prefix + "<version>.jar, but " + bundles + " holds "
                            + (hits.isEmpty() ? "none" : hits.size() + ": " + hits));
                }
                out.add(hits.get(0));
            }
        }
        return out;
    }

    @Override
    public void close() {
        try {
            service.close();
        } catch (Exception e) {
            Launcher.log("Foundation: error while stopping: " + e);
        }
        close(loader);
    }

    private static void close(URLClassLoader loader) {
        try {
            loader.close();
        } catch (IOException ignored) {
            // jars stay open until exit
        }
    }
}
