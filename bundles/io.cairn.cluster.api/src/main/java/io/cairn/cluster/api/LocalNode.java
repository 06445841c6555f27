package io.cairn.cluster.api;

import java.nio.file.Path;

import org.osgi.annotation.versioning.ProviderType;

/** This controller. */
@ProviderType
public interface LocalNode {

    NodeIdentity identity();

    /** The node home: {@code slots/}, {@code data/}, {@code logs/}. */
    Path home();
}
