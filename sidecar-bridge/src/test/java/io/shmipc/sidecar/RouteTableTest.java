package io.shmipc.sidecar;

import io.shmipc.transport.codec.IntInfoKey;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RouteTableTest
{
    private static final RouteTable TABLE = RouteTable.parse(List.of(
        "users=10.0.0.1:9000", "users@canary=10.0.0.2:9000", "*=10.0.0.9:9000"), true);

    @Test
    void shouldPreferServiceAndClusterOverServiceOverDefault()
    {
        assertEquals("10.0.0.2:9000", TABLE.resolve(keys("users", "canary", null)));
        assertEquals("10.0.0.1:9000", TABLE.resolve(keys("users", "prod", null)));
        assertEquals("10.0.0.1:9000", TABLE.resolve(keys("users", null, null)));
        assertEquals("10.0.0.9:9000", TABLE.resolve(keys("orders", null, null)));
        assertEquals("10.0.0.9:9000", TABLE.resolve(Map.of()));
    }

    @Test
    void shouldLetDestAddressWinOnlyWhenAllowed()
    {
        assertEquals("127.0.0.1:7000", TABLE.resolve(keys("users", null, "127.0.0.1:7000")));
        final RouteTable strict = RouteTable.parse(List.of("users=10.0.0.1:9000"), false);
        assertEquals("10.0.0.1:9000", strict.resolve(keys("users", null, "127.0.0.1:7000")));
    }

    @Test
    void shouldFindNoRouteWhenNothingMatchesAndThereIsNoDefault()
    {
        assertNull(RouteTable.parse(List.of("users=10.0.0.1:9000"), true).resolve(keys("orders", null, null)));
    }

    @Test
    void shouldNameTheRouteThatCannotBeParsed()
    {
        final IllegalArgumentException ex = assertThrows(IllegalArgumentException.class,
            () -> RouteTable.parse(List.of("users"), true));
        assertTrue(ex.getMessage().contains("'users'"), ex.getMessage());
        assertThrows(IllegalArgumentException.class, () -> RouteTable.parse(List.of("users=nohostport"), true));
    }

    private static Map<Integer, String> keys(final String service, final String cluster, final String dest)
    {
        final java.util.HashMap<Integer, String> keys = new java.util.HashMap<>();
        if (service != null)
        {
            keys.put(IntInfoKey.TO_SERVICE.id(), service);
        }
        if (cluster != null)
        {
            keys.put(IntInfoKey.TO_CLUSTER.id(), cluster);
        }
        if (dest != null)
        {
            keys.put(IntInfoKey.DEST_ADDRESS.id(), dest);
        }
        return keys;
    }
}
