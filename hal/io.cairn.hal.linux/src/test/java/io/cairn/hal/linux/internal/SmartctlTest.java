package io.cairn.hal.linux.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class SmartctlTest {

    private static final String JSON = """
            {"json_format_version":[1,0],
             "smart_status":{"passed":true},
             "ata_smart_attributes":{"revision":16,"table":[
               {"id":5,"name":"Reallocated_Sector_Ct","value":100,"worst":100,"thresh":10,"raw":{"value":3,"string":"3"}},
               {"id":9,"name":"Power_On_Hours","value":99,"raw":{"value":1234,"string":"1234"}},
               {"id":197,"name":"Current_Pending_Sector","value":100,"raw":{"value":0,"string":"0"}}]},
             "power_on_time":{"hours":1234},
             "temperature":{"current":36}}
            """;

    @Test
    void givenSmartctlJson_thenAttributesByName() throws Exception {
        assertThat(Smartctl.parse(JSON)).containsEntry("reallocated_sector_ct", 3L).containsEntry("power_on_hours", 1234L)
                .containsEntry("current_pending_sector", 0L).containsEntry("temperature_celsius", 36L)
                .containsEntry("smart_passed", 1L);
    }

    @Test
    void givenDeviceWithoutSmart_thenEmpty() throws Exception {
        assertThat(Smartctl.parse("{\"json_format_version\":[1,0],\"smartctl\":{\"exit_status\":2}}")).isEmpty();
    }
}
