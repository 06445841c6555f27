package io.cairn.hal.ipmi.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

import io.cairn.hal.api.bmc.BmcException;
import io.cairn.hal.api.bmc.BmcException.Reason;
import io.cairn.hal.api.bmc.FruInfo;
import io.cairn.hal.api.bmc.SensorReading;
import io.cairn.hal.api.bmc.SensorState;

/** SDR, sensor reading, FRU and string decoding without a BMC. */
class DecodersTest {

    @Test
    void givenFullRecordWithExponent_whenConverted_thenValueIsScaled() {
        SdrRecord r = SdrRecord.parse(IpmiSim.fullSdr(3, 0x02, 4, 6, 0, -2, "12V")).orElseThrow();
        assertThat(r.name()).isEqualTo("12V");
        assertThat(r.number()).isEqualTo(3);
        assertThat(r.threshold()).isTrue();
        assertThat(r.convert(200)).isEqualTo(12.0, org.assertj.core.data.Offset.offset(1e-9));
        assertThat(SensorDecoder.unit(r)).isEqualTo("Volts");
    }

    @Test
    void givenNegativeTenBitFactors_whenConverted_thenSignsAreHonoured() {
        SdrRecord r = SdrRecord.parse(IpmiSim.fullSdr(1, 0x01, 1, -3 & 0x3FF, 5, 1, "T")).orElseThrow();
        assertThat(r.m()).isEqualTo(-3);
        assertThat(r.b()).isEqualTo(5);
        assertThat(r.rExp()).isEqualTo(1);
        assertThat(r.convert(10)).isEqualTo(-250.0, org.assertj.core.data.Offset.offset(1e-9));
    }

    @Test
    void givenThresholdStates_whenDecoded_thenMostSevereWins() {
        SdrRecord r = SdrRecord.parse(IpmiSim.fullSdr(1, 0x01, 1, 1, 0, 0, "CPU Temp")).orElseThrow();
        SensorReading ok = SensorDecoder.decode(r, new byte[] {45, 0x40, 0});
        assertThat(ok.value()).hasValue(45.0);
        assertThat(ok.state()).isEqualTo(SensorState.OK);
        SensorReading hot = SensorDecoder.decode(r, new byte[] {(byte) 0x95, 0x40, 0x18}); // UNC + UC
        assertThat(hot.state()).isEqualTo(SensorState.CRITICAL);
        assertThat(hot.detail()).isEqualTo("upper critical");
        assertThat(SensorDecoder.decode(r, new byte[] {0, 0x00, 0}).state()).isEqualTo(SensorState.UNAVAILABLE);
        assertThat(SensorDecoder.decode(r, new byte[] {0, 0x60, 0}).detail()).isEqualTo("reading unavailable");
    }

    @Test
    void givenDiscretePowerSupply_whenFailureAsserted_thenCritical() {
        SdrRecord r = SdrRecord.parse(IpmiSim.compactSdr(4, 0x08, 0x6f, "PSU 1")).orElseThrow();
        assertThat(r.name()).isEqualTo("PSU 1");
        assertThat(r.full()).isFalse();
        SensorReading s = SensorDecoder.decode(r, new byte[] {0, 0x40, 0x03, 0});
        assertThat(s.type()).isEqualTo("Power Supply");
        assertThat(s.value()).isEmpty();
        assertThat(s.state()).isEqualTo(SensorState.CRITICAL);
        assertThat(s.detail()).isEqualTo("Presence detected, Failure detected");
    }

    @Test
    void givenSixBitPackedAscii_whenDecoded_thenText() {
        assertThat(TypeLength.decode(new byte[] {(byte) 0xA1, 0x38, 0x02}, 0, 2, 3)).isEqualTo("ABC");
        assertThat(TypeLength.decode(new byte[] {'x', 'y', ' '}, 0, 3, 3)).isEqualTo("xy");
    }

    @Test
    void givenFruImage_whenParsed_thenProductFieldsWinOverBoard() throws Exception {
        FruInfo fru = FruParser.parse(IpmiSim.fru(), "test");
        assertThat(fru.manufacturer()).isEqualTo("Cairn Labs");
        assertThat(fru.product()).isEqualTo("Cairn Node");
        assertThat(fru.serial()).isEqualTo("SN-12345");
        assertThat(fru.partNumber()).isEqualTo("PN-100");
        assertThat(fru.fields()).containsEntry("board.partNumber", "MB-PN-7").containsEntry("product.fruFileId", "fru");
    }

    @Test
    void givenCorruptFruHeader_whenParsed_thenProtocolError() {
        byte[] fru = IpmiSim.fru();
        fru[7]++;
        assertThatThrownBy(() -> FruParser.parse(fru, "BMC x")).isInstanceOfSatisfying(BmcException.class,
                e -> assertThat(e.reason()).isEqualTo(Reason.PROTOCOL)).hasMessageContaining("no valid FRU common header");
    }
}
