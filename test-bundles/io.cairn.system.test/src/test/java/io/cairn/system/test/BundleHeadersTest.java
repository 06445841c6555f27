package io.cairn.system.test;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

/** The acceptance rules for bundle manifests, checked on the bundles that go into the image. */
class BundleHeadersTest {

    private static final Pattern EXPORT = Pattern.compile("([a-zA-Z0-9_.]+)((?:;[^,\"]*(?:\"[^\"]*\")?)*)");

    private List<Path> cairnBundles() throws IOException {
        Path dir = Proc.ROOT.resolve("appliance-image/target/export/appliance");
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().startsWith("io.cairn.")).sorted().toList();
        }
    }

    static List<String[]> exports(Attributes main) {
        List<String[]> out = new ArrayList<>();
        String header = main.getValue("Export-Package");
        if (header == null) {
            return out;
        }
        Matcher m = EXPORT.matcher(header);
        while (m.find()) {
            Matcher v = Pattern.compile("version=\"?([0-9.]+)").matcher(m.group(2));
            out.add(new String[] {m.group(1), v.find() ? v.group(1) : null});
            if (m.end() < header.length() && header.charAt(m.end()) == ',') {
                continue;
            }
        }
        return out;
    }

    @Test
    void everyCairnBundleExportsOnlyVersionedApiPackages() throws Exception {
        List<Path> bundles = cairnBundles();
        assertThat(bundles).extracting(p -> p.getFileName().toString())
                .anyMatch(n -> n.startsWith("io.cairn.hal.api")).anyMatch(n -> n.startsWith("io.cairn.common"))
                .anyMatch(n -> n.startsWith("io.cairn.cluster.api"));
        for (Path jar : bundles) {
            try (JarFile jf = new JarFile(jar.toFile())) {
                Attributes main = jf.getManifest().getMainAttributes();
                for (String[] e : exports(main)) {
                    assertThat(e[0]).as(jar + " exports an implementation package").doesNotContain("internal");
                    assertThat(e[1]).as(jar + " exports " + e[0] + " without a version").isNotNull();
                    assertThat(e[1]).as("API packages start at 1.0.0").matches("[1-9][0-9]*\\.[0-9]+\\.[0-9]+");
                }
            }
        }
    }

    @Test
    void apiBundlesExportTheirPackageAndEveryInterfaceDeclaresItsRole() throws Exception {
        // an API may build on another bundle's API (storage.api's exceptions extend common's CairnException)
        List<Path> all = cairnBundles();
        URL[] everything = new URL[all.size()];
        for (int i = 0; i < all.size(); i++) {
            everything[i] = all.get(i).toUri().toURL();
        }
        for (Path jar : all) {
            if (!jar.getFileName().toString().contains(".api-")) {
                continue;
            }
            try (JarFile jf = new JarFile(jar.toFile());
                    URLClassLoader cl = new URLClassLoader(everything, null)) {
                List<String[]> exports = exports(jf.getManifest().getMainAttributes());
                assertThat(exports).as(jar + " exports its API").isNotEmpty();
                List<String> packages = exports.stream().map(e -> e[0]).toList();
                for (JarEntry entry : Collections.list(jf.entries())) {
                    String name = entry.getName();
                    if (!name.endsWith(".class") || name.endsWith("package-info.class") || name.contains("$")) {
                        continue;
                    }
                    String cls = name.substring(0, name.length() - 6).replace('/', '.');
                    String pkg = cls.substring(0, cls.lastIndexOf('.'));
                    assertThat(packages).as(cls + " is in an exported API package").contains(pkg);
                    Class<?> c = Class.forName(cls, false, cl);
                    if (c.isInterface() && !c.isAnnotation()) {
                        String bytes = new String(jf.getInputStream(entry).readAllBytes(), java.nio.charset.StandardCharsets.ISO_8859_1);
                        assertThat(bytes).as(cls + " is @ProviderType or @ConsumerType")
                                .containsAnyOf("Lorg/osgi/annotation/versioning/ProviderType;",
                                        "Lorg/osgi/annotation/versioning/ConsumerType;");
                    }
                }
            }
        }
    }

    @Test
    void bundlesWithComponentsDeclareThem() throws Exception {
        for (Path jar : cairnBundles()) {
            try (JarFile jf = new JarFile(jar.toFile())) {
                boolean hasXml = Collections.list(jf.entries()).stream()
                        .anyMatch(e -> e.getName().startsWith("OSGI-INF/") && e.getName().endsWith(".xml")
                                && !e.getName().startsWith("OSGI-INF/metatype/"));
                String header = jf.getManifest().getMainAttributes().getValue("Service-Component");
                if (hasXml) {
                    assertThat(header).as(jar + " has component XML but no Service-Component header").isNotBlank();
                }
                if (jar.getFileName().toString().startsWith("io.cairn.common-")) {
                    assertThat(header).contains("SystemClock", "NodeReadiness");
                }
            }
        }
    }
}
