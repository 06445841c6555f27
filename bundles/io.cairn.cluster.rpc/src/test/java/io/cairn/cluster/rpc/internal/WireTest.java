package io.cairn.cluster.rpc.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import io.cairn.cluster.rpc.RpcException;
import io.cairn.common.error.CairnException;
import io.cairn.common.error.ErrorCode;

@Timeout(10)
class WireTest {

    @Test
    void givenRequest_whenWrittenAndRead_thenHeaderAndBodySurvive() throws Exception {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        byte[] body = "hello".getBytes(StandardCharsets.UTF_8);
        Wire.write(new DataOutputStream(buf), Wire.REQUEST, 42, Wire.request("node.ping", 1234L, true, 16, body));

        Wire.Frame f = Wire.read(new DataInputStream(new ByteArrayInputStream(buf.toByteArray())));
        Wire.Request r = Wire.parseRequest(f.payload());

        assertThat(f.type()).isEqualTo(Wire.REQUEST);
        assertThat(f.id()).isEqualTo(42);
        assertThat(r).extracting(Wire.Request::method, Wire.Request::deadlineMillis, Wire.Request::stream, Wire.Request::credit)
                .containsExactly("node.ping", 1234L, true, 16);
        assertThat(r.body()).isEqualTo(body);
    }

    @Test
    void givenFrameOver64MiB_whenRead_thenFrameTooLarge() throws Exception {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(buf);
        out.writeInt((64 << 20) + 1);
        out.writeByte(Wire.RESPONSE);
        out.writeLong(1);

        assertThatThrownBy(() -> Wire.read(new DataInputStream(new ByteArrayInputStream(buf.toByteArray()))))
                .isInstanceOf(Wire.FrameTooLargeException.class).hasMessageContaining("64 MiB");
    }

    @Test
    void givenErrorPayload_whenMapped_thenReasonCodeAndMessageKept() {
        RpcException e = Wire.toException(Wire.error(RpcException.Reason.REMOTE, ErrorCode.CONFLICT, "lost the race"), "10.0.0.1:2100", "m");
        assertThat(e.reason()).isEqualTo(RpcException.Reason.REMOTE);
        assertThat(e.remoteCode()).isEqualTo(ErrorCode.CONFLICT);
        assertThat(e.getMessage()).isEqualTo("lost the race");

        RpcException n = Wire.toException(Wire.error(RpcException.Reason.NO_SUCH_METHOD, ErrorCode.NOT_FOUND, "no"), "a", "m");
        assertThat(n.reason()).isEqualTo(RpcException.Reason.NO_SUCH_METHOD);
    }

    @Test
    void givenAddresses_whenParsed_thenDefaultPortAndIpv6Handled() {
        assertThat(Wire.Endpoint.parse("10.0.0.1")).isEqualTo(new Wire.Endpoint("10.0.0.1", 2100));
        assertThat(Wire.Endpoint.parse("10.0.0.1:7")).isEqualTo(new Wire.Endpoint("10.0.0.1", 7));
        assertThat(Wire.Endpoint.parse("[fd00::1]:9")).isEqualTo(new Wire.Endpoint("fd00::1", 9));
        assertThat(Wire.Endpoint.parse("fd00::1")).isEqualTo(new Wire.Endpoint("fd00::1", 2100));
        assertThat(Wire.Endpoint.parse("fd00::1").toString()).isEqualTo("[fd00::1]:2100");
        assertThatThrownBy(() -> Wire.Endpoint.parse("host:99999")).isInstanceOf(CairnException.class).hasMessageContaining("port");
    }
}
