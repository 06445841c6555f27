/** Persisted cluster tasks with progress, parents and children, executed once by the tasks leader. */
@Export
@Version("1.0.0")
package io.cairn.common.tasks;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
