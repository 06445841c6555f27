package io.cairn.prism.api.internal;

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

    static Router routes() {
        Router r = new Router();
        r.add("storage", "storage", new StorageEndpoints(null).operations());
        r.add("cluster", "cluster", new ClusterEndpoints(null, null).operations());
        return r;
    }

    @Test
    void givenTheBuiltInEndpoints_whenTheDocumentIsGenerated_thenSwaggerParserFindsItValidOpenApi3() {
        ObjectNode doc = OpenApi.document(routes().routes(), "1.0.0");
        SwaggerParseResult parsed = new OpenAPIV3Parser().readContents(doc.toString());
        assertThat(parsed.getMessages()).as(doc.toPrettyString()).isEmpty();
        assertThat(parsed.getOpenAPI().getPaths()).containsKeys("/vdisks", "/vdisks/{uuid}", "/containers", "/containers/{name}", "/cluster",
                "/hosts", "/hosts/{uuid}", "/disks", "/storage_pools/default");
        assertThat(parsed.getOpenAPI().getPaths().get("/vdisks").getPost().getRequestBody()).isNotNull();
        assertThat(parsed.getOpenAPI().getPaths().get("/vdisks").getGet().getParameters()).extracting(p -> p.getName())
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
        Router.Match m = r.match("GET", "/vdisks/123");
        assertThat(m.route()).isPresent();
        assertThat(m.params()).containsEntry("uuid", "123");
        Router.Match wrong = r.match("PATCH", "/vdisks/123");
        assertThat(wrong.route()).isEmpty();
        assertThat(wrong.allowed()).containsExactlyInAnyOrder("GET", "PUT", "DELETE");
        assertThat(r.match("GET", "/nothing").allowed()).isEmpty();
    }
}
