package io.cairn.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;

import org.apache.felix.framework.FrameworkFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.osgi.framework.Bundle;
import org.osgi.framework.Constants;
import org.osgi.framework.launch.Framework;

class BundleReconcilerTest {

    @TempDir
    Path tmp;

    static Path bundle(Path dir, String bsn, String version, String payload) throws IOException {
        Manifest mf = new Manifest();
        Attributes a = mf.getMainAttributes();
        a.put(Attributes.Name.MANIFEST_VERSION, "1.0");
        a.putValue(Constants.BUNDLE_MANIFESTVERSION, "2");
        a.putValue(Constants.BUNDLE_SYMBOLICNAME, bsn + ";singleton:=true");
        a.putValue(Constants.BUNDLE_VERSION, version);
        Path jar = dir.resolve(bsn + ".jar");
        try (OutputStream out = Files.newOutputStream(jar); JarOutputStream jos = new JarOutputStream(out, mf)) {
            jos.putNextEntry(new JarEntry("payload.txt"));
            jos.write(payload.getBytes());
        }
        return jar;
    }

    private Framework framework(Path cache) throws Exception {
        Framework fw = new FrameworkFactory().newFramework(Map.of(Constants.FRAMEWORK_STORAGE, cache.toString(),
                Constants.FRAMEWORK_STORAGE_CLEAN, "none"));
        fw.init();
        return fw;
    }

    @Test
    void givenSlotBundles_whenReconciledAcrossRestarts_thenCacheIsReusedAndOnlyChangesApplied() throws Exception {
        Path cache = tmp.resolve("cache");
        Path slot = Files.createDirectories(tmp.resolve("slot"));
        Path a = bundle(slot, "test.a", "1.0.0", "a1");
        Path b = bundle(slot, "test.b", "1.0.0", "b1");

        Framework fw = framework(cache);
        try {
            var first = new BundleReconciler(fw.getBundleContext(), cache).reconcile(List.of(a, b));
            assertThat(first).isEqualTo(new BundleReconciler.Outcome(2, 0, 0, 0));
            assertThat(fw.getBundleContext().getBundle("cairn:test.a")).isNotNull();
        } finally {
            fw.stop();
            fw.waitForStop(10_000);
        }

        fw = framework(cache); // same cache: nothing to install again
        try {
            assertThat(new BundleReconciler(fw.getBundleContext(), cache).reconcile(List.of(a, b)))
                    .isEqualTo(new BundleReconciler.Outcome(0, 0, 0, 2));
        } finally {
            fw.stop();
            fw.waitForStop(10_000);
        }

        bundle(slot, "test.a", "1.0.0", "a2-same-version-new-content");
        fw = framework(cache);
        try {
            var outcome = new BundleReconciler(fw.getBundleContext(), cache).reconcile(List.of(a));
            assertThat(outcome).isEqualTo(new BundleReconciler.Outcome(0, 1, 1, 0));
            Bundle updated = fw.getBundleContext().getBundle("cairn:test.a");
            assertThat(new String(updated.getEntry("payload.txt").openStream().readAllBytes()))
                    .isEqualTo("a2-same-version-new-content");
            assertThat(fw.getBundleContext().getBundle("cairn:test.b")).isNull();
        } finally {
            fw.stop();
            fw.waitForStop(10_000);
        }
    }

    @Test
    void givenNotABundle_thenClearError() throws Exception {
        Path jar = tmp.resolve("plain.jar");
        try (OutputStream out = Files.newOutputStream(jar); JarOutputStream jos = new JarOutputStream(out, new Manifest())) {
            jos.putNextEntry(new JarEntry("x"));
        }
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> BundleReconciler.symbolicName(jar))
                .hasMessageContaining("is not an OSGi bundle");
    }
}
