package io.cairn.prism.gateway.internal.rest;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.node.ObjectNode;

import io.cairn.prism.api.ApiOperation;
import io.cairn.prism.api.ApiResponse;
import io.cairn.prism.api.Schema;
import io.swagger.v3.parser.OpenAPIV3Parser;
import io.swagger.v3.parser.core.models.SwaggerParseResult;

class OpenApiTest {

    /** A resource with every kind of operation, as a capability bundle would register. */
    static final class Things {
        static final Schema SPEC = Schema.object("a thing").required("name", Schema.string("its name"))
                .property("size", Schema.integer("bytes").minimum(1));
        static final Schema THING = io.cairn.prism.api.Entities.schema("thing", SPEC, Schema.object("state").open());
        static final List<ApiOperation> OPERATIONS = List.of(
                ApiOperation.list("/things", "thing", "Things", THING, x -> ApiResponse.noContent()),
                ApiOperation.get("/things/{uuid}", "thing", "One thing", THING, x -> ApiResponse.noContent()),
                new ApiOperation("POST", "/things", "thing", io.cairn.prism.api.Action.CREATE, "Create", THING, THING, 201, false,
                        x -> ApiResponse.noContent()),
                new ApiOperation("PUT", "/things/{uuid}", "thing", io.cairn.prism.api.Action.UPDATE, "Update", THING, THING, 200, false,
                        x -> ApiResponse.noContent()),
                new ApiOperation("DELETE", "/things/{uuid}", "thing", io.cairn.prism.api.Action.DELETE, "Delete", null, null, 204, false,
                        x -> ApiResponse.noContent()),
                new ApiOperation("POST", "/things/{uuid}/power_on", "thing", io.cairn.prism.api.Action.OPERATE, "Power on", null, null, 202,
                        false, x -> ApiResponse.noContent()));
    }

    static Router routes() {
        Router r = new Router();
        r.add("things", "things", Things.OPERATIONS);
        r.add("cluster", "cluster", new ClusterEndpoints(null, null, null).operations());
        r.add("activity", "activity", new ActivityEndpoints(null, null).operations());
        r.add("accounts", "accounts", new AccountEndpoints(null).operations());
        r.add("auth", "auth", new AuthEndpoints(null, null).operations());
        r.add("audit", "audit", new AuditEndpoints(null, null, null, null).operations());
        return r;
    }

    @Test
    void givenTheBuiltInEndpoints_whenTheDocumentIsGenerated_thenSwaggerParserFindsItValidOpenApi3() {
        ObjectNode doc = OpenApi.document(routes().routes(), "1.0.0");
        SwaggerParseResult parsed = new OpenAPIV3Parser().readContents(doc.toString());
        assertThat(parsed.getMessages()).as(doc.toPrettyString()).isEmpty();
        assertThat(parsed.getOpenAPI().getPaths()).containsKeys("/things", "/things/{uuid}", "/cluster", "/hosts", "/hosts/{uuid}",
                "/tasks/{uuid}/abort", "/alerts/{uuid}/acknowledge", "/events", "/roles/{name}", "/auth/directories/{name}", "/audit/events",
                "/audit/syslog-servers", "/audit/syslog-servers/{name}");
        assertThat(parsed.getOpenAPI().getPaths().get("/things").getPost().getRequestBody()).isNotNull();
        assertThat(parsed.getOpenAPI().getPaths().get("/things").getGet().getParameters()).extracting(p -> p.getName())
                .containsExactly("offset", "limit", "filter");
    }

    @Test
    void givenEveryRoute_whenTheDocumentIsGenerated_thenEachRouteIsDocumentedWithItsPermission_andNothingElseIs() {
        Router r = routes();
        ObjectNode doc = OpenApi.document(r.routes(), "1.0.0");
        int documented = 0;
        for (var path : doc.path("paths").properties()) {
            documented += path.getValue().size();
            path.getValue().properties().forEach(op -> assertThat(op.getValue().path("x-cairn-permission").asText()).matches("[a-z_]+:[a-z]+"));
        }
        assertThat(documented).isEqualTo(r.routes().size());
    }

    @Test
    void givenTwoBundlesServingTheSamePath_whenAdded_thenTheSecondIsRefused_andRemovingTheFirstFreesIt() {
        Router r = new Router();
        ApiOperation op = ApiOperation.get("/things", "thing", "things", Schema.object("t"), x -> ApiResponse.noContent());
        Object a = new Object();
        Object b = new Object();
        assertThat(r.add(a, "a", List.of(op))).isEmpty();
        assertThat(r.add(b, "b", List.of(op))).containsExactly(op);
        r.remove(a);
        assertThat(r.match("GET", "/things").route()).isEmpty();
        assertThat(r.add(b, "b", List.of(op))).isEmpty();
        assertThat(r.match("GET", "/things/").route()).isPresent();
    }

    @Test
    void givenPathParameters_whenMatched_thenTheyAreExtracted_andAWrongMethodListsTheAllowedOnes() {
        Router r = routes();
        Router.Match m = r.match("GET", "/things/123");
        assertThat(m.route()).isPresent();
        assertThat(m.params()).containsEntry("uuid", "123");
        Router.Match wrong = r.match("PATCH", "/things/123");
        assertThat(wrong.route()).isEmpty();
        assertThat(wrong.allowed()).containsExactlyInAnyOrder("GET", "PUT", "DELETE");
        assertThat(r.match("GET", "/nothing").allowed()).isEmpty();
    }

    @Test
    void givenThePublicRoutes_whenDocumented_thenTheyNeedNoAuthentication_andTheDocumentStaysValid() {
        ObjectNode doc = OpenApi.document(routes().routes(), PublicRoutes.ALL, "1.0.0");
        SwaggerParseResult parsed = new OpenAPIV3Parser().readContents(doc.toString());
        assertThat(parsed.getMessages()).as(doc.toPrettyString()).isEmpty();
        assertThat(doc.path("paths").path("/auth/login").path("post").path("security").isArray()).isTrue();
        assertThat(doc.path("paths").path("/auth/login").path("post").path("security").size()).isZero();
        assertThat(doc.path("paths").path("/auth/login").path("post").has("x-cairn-permission")).isFalse();
        assertThat(doc.path("paths").path("/security/ca-certificate").has("get")).isTrue();
        assertThat(doc.path("paths").path("/security/crl").path("get").path("security").size()).isZero();
        assertThat(doc.path("components").path("securitySchemes").path("session").path("name").asText()).isEqualTo("CAIRN_SESSION");
    }
}
