package io.cairn.cluster.api;

import java.util.Map;

/** An announced service; its attributes can change while it stays announced. */
@org.osgi.annotation.versioning.ProviderType
public interface Presence extends Registration {

    void update(Map<String, String> attributes);
}
