package io.cairn.prism.gateway.internal.rest;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.cairn.prism.api.Entities;
import io.cairn.prism.api.Schema;

class SchemaTest {

    static final ObjectMapper JSON = new ObjectMapper();
    static final Schema SPEC = Schema.object("s").required("name", Schema.string("n")).property("size", Schema.integer("z").minimum(1))
            .property("mode", Schema.string("m").values("a", "b")).property("tags", Schema.array("t", Schema.string("tag")));
    static final Schema ENTITY = Entities.schema("thing", SPEC, Schema.object("st").open());

    @Test
    void givenAValidBody_whenValidated_thenNoErrors_andReadOnlyStatusIsIgnored() throws Exception {
        assertThat(ENTITY.validate(JSON.readTree("""
                {"metadata":{"version":3,"uuid":"x","kind":"thing"},"spec":{"name":"a","size":2,"mode":"b","tags":["p"]},"status":{"any":1}}
                """))).isEmpty();
    }

    @Test
    void givenWrongBodies_whenValidated_thenEachErrorNamesItsPathAndTheFix() throws Exception {
        assertThat(ENTITY.validate(JSON.readTree("{\"spec\":{\"size\":0,\"mode\":\"c\",\"tags\":[1],\"colour\":\"red\"},\"extra\":1}")))
                .containsExactlyInAnyOrder("$.extra: unknown field; known fields are [metadata, spec, status]",
                        "$.spec.name: is required", "$.spec.size: must be at least 1, not 0", "$.spec.mode: must be one of [a, b], not 'c'",
                        "$.spec.tags[0]: must be a string, not a number",
                        "$.spec.colour: unknown field; known fields are [name, size, mode, tags]");
        assertThat(ENTITY.validate(JSON.readTree("[]"))).containsExactly("$: must be an object, not an array");
    }

    @Test
    void givenAnEntitySchema_whenWrittenAsOpenApi_thenRequiredEnumAndReadOnlyAppear() {
        var doc = ENTITY.toOpenApi();
        assertThat(doc.path("required").toString()).isEqualTo("[\"spec\"]");
        assertThat(doc.path("properties").path("status").path("readOnly").asBoolean()).isTrue();
        assertThat(doc.path("properties").path("spec").path("properties").path("mode").path("enum").toString()).isEqualTo("[\"a\",\"b\"]");
        assertThat(doc.path("additionalProperties").asBoolean()).isFalse();
    }

    @Test
    void givenTheSameState_whenVersioned_thenTheVersionIsStable_andAnyChangeChangesIt() {
        assertThat(Entities.versionOf("a", 1L)).isEqualTo(Entities.versionOf("a", 1L)).isNotEqualTo(Entities.versionOf("a", 2L))
                .isNotEqualTo(Entities.versionOf("a1", "")).isPositive();
    }
}
