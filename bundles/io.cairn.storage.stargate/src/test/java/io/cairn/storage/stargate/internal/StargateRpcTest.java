package io.cairn.storage.stargate.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class StargateRpcTest {

    @Test
    void givenSizeWords_whenParsed_thenBinarySuffixesAndTheLimitHold() {
        assertThat(StargateRpc.parseSize("64M")).isEqualTo(64L << 20);
        assertThat(StargateRpc.parseSize("10g")).isEqualTo(10L << 30);
        assertThat(StargateRpc.parseSize("9223372036854775807")).isEqualTo(Long.MAX_VALUE);
        assertThatThrownBy(() -> StargateRpc.parseSize("9223372036854775808")).hasMessageContaining("2^63-1");
        assertThatThrownBy(() -> StargateRpc.parseSize("8E")).hasMessageContaining("2^63-1");
        assertThatThrownBy(() -> StargateRpc.parseSize("lots")).hasMessageContaining("not a byte count");
        assertThat(StargateRpc.human(3L << 30)).isEqualTo("3.00 GiB");
    }
}
