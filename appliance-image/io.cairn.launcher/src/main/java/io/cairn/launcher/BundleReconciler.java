package io.cairn.launcher;

import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;
import java.util.jar.Manifest;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleException;
import org.osgi.framework.Constants;
import org.osgi.framework.FrameworkEvent;
import org.osgi.framework.wiring.BundleRevision;
import org.osgi.framework.wiring.FrameworkWiring;

/**
 * Makes the framework's installed bundles match the active slot without cleaning the cache:
 * bundles are installed at location {@code cairn:<bsn>}; a jar whose content changed is updated
 * in place, a bundle the slot no longer has is uninstalled, and everything is refreshed once.
 */
final class BundleReconciler {

    static final String LOCATION_PREFIX = "cairn:";
    private static final String STATE_FILE = "cairn-bundles.properties";

    record Outcome(int installed, int updated, int uninstalled, int unchanged) {
    }

    private final BundleContext context;
    private final Path stateFile;

    BundleReconciler(BundleContext context, Path cacheDir) {
        this.context = context;
        this.stateFile = cacheDir.resolve(STATE_FILE);
    }

    Outcome reconcile(List<Path> jars) throws IOException, BundleException, LaunchException, InterruptedException {
        Properties known = loadState();
        Properties next = new Properties();
        Map<String, Path> wanted = new LinkedHashMap<>();
        for (Path jar : jars) {
            String bsn = symbolicName(jar);
            if (wanted.put(bsn, jar) != null) {
                throw new LaunchException(LaunchException.USAGE, "the image lists bundle " + bsn + " twice");
            }
        }
        Map<String, Bundle> present = new LinkedHashMap<>();
        for (Bundle b : context.getBundles()) {
            if (b.getLocation().startsWith(LOCATION_PREFIX)) {
                present.put(b.getLocation().substring(LOCATION_PREFIX.length()), b);
            }
        }
        int installed = 0, updated = 0, uninstalled = 0, unchanged = 0;
        List<Bundle> changed = new ArrayList<>();
        for (Map.Entry<String, Bundle> e : present.entrySet()) {
            if (!wanted.containsKey(e.getKey())) {
                e.getValue().uninstall();
                changed.add(e.getValue());
                uninstalled++;
            }
        }
        for (Map.Entry<String, Path> e : wanted.entrySet()) {
            String bsn = e.getKey();
            String hash = sha256(e.getValue());
            next.setProperty(bsn, hash);
            Bundle b = present.get(bsn);
            if (b == null) {
                try (InputStream in = Files.newInputStream(e.getValue())) {
                    context.installBundle(LOCATION_PREFIX + bsn, in);
                }
                installed++;
            } else if (!hash.equals(known.getProperty(bsn))) {
                try (InputStream in = Files.newInputStream(e.getValue())) {
                    b.update(in);
                }
                changed.add(b);
                updated++;
            } else {
                unchanged++;
            }
        }
        if (!changed.isEmpty()) {
            refresh(changed);
        }
        saveState(next);
        return new Outcome(installed, updated, uninstalled, unchanged);
    }

    /** Starts every non-fragment Cairn-managed bundle in the image's order. */
    void startAll(List<Path> jars) throws IOException, BundleException {
        for (Path jar : jars) {
            Bundle b = context.getBundle(LOCATION_PREFIX + symbolicName(jar));
            BundleRevision rev = b.adapt(BundleRevision.class);
            if (rev != null && (rev.getTypes() & BundleRevision.TYPE_FRAGMENT) != 0) {
                continue;
            }
            b.start(Bundle.START_ACTIVATION_POLICY);
        }
    }

    private void refresh(List<Bundle> changed) throws InterruptedException, LaunchException {
        CountDownLatch done = new CountDownLatch(1);
        context.getBundle(0).adapt(FrameworkWiring.class).refreshBundles(changed, event -> {
            if (event.getType() == FrameworkEvent.PACKAGES_REFRESHED) {
                done.countDown();
            }
        });
        if (!done.await(60, TimeUnit.SECONDS)) {
            throw new LaunchException(LaunchException.FAILED, "refreshing updated bundles did not finish within 60 s");
        }
    }

    static String symbolicName(Path jar) throws IOException {
        try (JarFile jf = new JarFile(jar.toFile())) {
            Manifest mf = jf.getManifest();
            String bsn = mf == null ? null : mf.getMainAttributes().getValue(Constants.BUNDLE_SYMBOLICNAME);
            if (bsn == null) {
                throw new IOException(jar + " is not an OSGi bundle (no Bundle-SymbolicName)");
            }
            int semi = bsn.indexOf(';');
            return (semi < 0 ? bsn : bsn.substring(0, semi)).strip();
        }
    }

    static String sha256(Path file) throws IOException {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            try (InputStream in = Files.newInputStream(file)) {
                byte[] buf = new byte[64 * 1024];
                for (int n; (n = in.read(buf)) > 0;) {
                    md.update(buf, 0, n);
                }
            }
            return HexFormat.of().formatHex(md.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }

    private Properties loadState() throws IOException {
        Properties p = new Properties();
        if (Files.isRegularFile(stateFile)) {
            try (Reader r = Files.newBufferedReader(stateFile, StandardCharsets.UTF_8)) {
                p.load(r);
            }
        }
        return p;
    }

    private void saveState(Properties p) throws IOException {
        Files.createDirectories(stateFile.getParent());
        Path tmp = stateFile.resolveSibling(STATE_FILE + ".tmp");
        try (Writer w = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
            p.store(w, "content hash of each bundle installed from the active slot");
        }
        Files.move(tmp, stateFile, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
