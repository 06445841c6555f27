/**
 * Prism's REST API as a whiteboard (spec 10 §16): a bundle or plugin registers an
 * {@link io.cairn.prism.api.ApiEndpoints} service whose {@link io.cairn.prism.api.ApiOperation}s
 * appear under {@code /api/v1}, checked against their {@link io.cairn.prism.api.Schema} (unknown
 * fields refused), authorized per entity type and {@link io.cairn.prism.api.Action}, paged and
 * filtered when they list, and described in the OpenAPI 3 document {@code /api/v1/openapi.json}
 * generated from the same operations.
 */
@Export
@Version("1.0.0")
package io.cairn.prism.api;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
