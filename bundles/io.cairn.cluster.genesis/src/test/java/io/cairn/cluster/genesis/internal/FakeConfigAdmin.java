package io.cairn.cluster.genesis.internal;

import java.io.IOException;
import java.util.Collections;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

import org.osgi.framework.ServiceReference;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;

/** An in-memory Configuration Admin: enough of it for {@link ConfigFiles}. */
final class FakeConfigAdmin implements ConfigurationAdmin {

    final Map<String, FakeConfiguration> configs = new java.util.concurrent.ConcurrentSkipListMap<>();
    volatile int updates;

    final class FakeConfiguration implements Configuration {
        final String pid;
        final String factoryPid;
        Hashtable<String, Object> props;
        long changes;

        FakeConfiguration(String pid, String factoryPid) {
            this.pid = pid;
            this.factoryPid = factoryPid;
        }

        @Override
        public String getPid() {
            return pid;
        }

        @Override
        public Dictionary<String, Object> getProperties() {
            return props == null ? null : new Hashtable<>(props);
        }

        @Override
        public Dictionary<String, Object> getProcessedProperties(ServiceReference<?> reference) {
            return getProperties();
        }

        @Override
        public void update(Dictionary<String, ?> properties) {
            Hashtable<String, Object> p = new Hashtable<>();
            for (String k : Collections.list(properties.keys())) {
                p.put(k, properties.get(k));
            }
            props = p;
            changes++;
            updates++;
        }

        @Override
        public void delete() {
            configs.remove(pid);
        }

        @Override
        public String getFactoryPid() {
            return factoryPid;
        }

        @Override
        public void update() {
        }

        @Override
        public boolean updateIfDifferent(Dictionary<String, ?> properties) {
            if (props != null && same(props, properties)) {
                return false;
            }
            update(properties);
            return true;
        }

        private static boolean same(Dictionary<String, ?> a, Dictionary<String, ?> b) {
            if (a.size() != b.size()) {
                return false;
            }
            for (String k : Collections.list(a.keys())) {
                if (!Objects.deepEquals(a.get(k), b.get(k))) {
                    return false;
                }
            }
            return true;
        }

        @Override
        public void setBundleLocation(String location) {
        }

        @Override
        public String getBundleLocation() {
            return "?";
        }

        @Override
        public long getChangeCount() {
            return changes;
        }

        @Override
        public void addAttributes(ConfigurationAttribute... attrs) {
        }

        @Override
        public Set<ConfigurationAttribute> getAttributes() {
            return Set.of();
        }

        @Override
        public void removeAttributes(ConfigurationAttribute... attrs) {
        }
    }

    @Override
    public Configuration createFactoryConfiguration(String factoryPid) {
        throw new UnsupportedOperationException();
    }

    @Override
    public Configuration createFactoryConfiguration(String factoryPid, String location) {
        throw new UnsupportedOperationException();
    }

    @Override
    public Configuration getConfiguration(String pid, String location) {
        return configs.computeIfAbsent(pid, p -> new FakeConfiguration(p, null));
    }

    @Override
    public Configuration getConfiguration(String pid) {
        return getConfiguration(pid, null);
    }

    @Override
    public Configuration getFactoryConfiguration(String factoryPid, String name, String location) {
        return configs.computeIfAbsent(factoryPid + "~" + name, p -> new FakeConfiguration(p, factoryPid));
    }

    @Override
    public Configuration getFactoryConfiguration(String factoryPid, String name) {
        return getFactoryConfiguration(factoryPid, name, null);
    }

    /** Understands "(KEY=*)" only, the filter ConfigFiles uses; configurations without properties are not listed (as in the spec). */
    @Override
    public Configuration[] listConfigurations(String filter) throws IOException {
        if (!filter.startsWith("(") || !filter.endsWith("=*)")) {
            throw new IOException("the fake understands (KEY=*) only: " + filter);
        }
        String key = filter.substring(1, filter.length() - 3);
        List<FakeConfiguration> out = configs.values().stream().filter(c -> c.props != null && c.props.get(key) != null).toList();
        return out.isEmpty() ? null : out.toArray(Configuration[]::new);
    }

    Dictionary<String, Object> props(String pid) {
        FakeConfiguration c = configs.get(pid);
        return c == null ? null : c.getProperties();
    }
}
