/** Hypervisor processes: launching and supervising guests, and their QMP control channel. */
@Export
@Version("1.0.0")
package io.cairn.hal.api.hypervisor;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
