package io.shmipc.sidecar;

import org.junit.jupiter.api.Test;

import java.util.concurrent.CompletableFuture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RelayLimitTest
{
    @Test
    void shouldGrantUpToTheLimitAtOnceAndHandEachReleasedPermitToTheLongestWaiter()
    {
        final RelayLimit limit = new RelayLimit(2);
        assertTrue(limit.acquire().isDone());
        assertTrue(limit.acquire().isDone());
        final CompletableFuture<Void> third = limit.acquire();
        final CompletableFuture<Void> fourth = limit.acquire();
        assertFalse(third.isDone(), "both permits in use");
        assertEquals(2, limit.waiting());

        limit.release();
        assertTrue(third.isDone(), "the first in line gets the permit");
        assertFalse(fourth.isDone());
        limit.release();
        assertTrue(fourth.isDone());
        assertEquals(0, limit.waiting());

        limit.release();
        limit.release();
        assertTrue(limit.acquire().isDone(), "permits given back with nobody waiting are free again");
        assertTrue(limit.acquire().isDone());
        assertFalse(limit.acquire().isDone());
    }

    @Test
    void shouldRefuseALimitBelowOne()
    {
        assertThrows(IllegalArgumentException.class, () -> new RelayLimit(0));
    }
}
