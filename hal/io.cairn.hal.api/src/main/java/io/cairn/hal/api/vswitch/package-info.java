/** The virtual switch: bridges, ports, bonds, VLANs, mirrors, flow tables. */
@Export
@Version("1.0.0")
package io.cairn.hal.api.vswitch;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
