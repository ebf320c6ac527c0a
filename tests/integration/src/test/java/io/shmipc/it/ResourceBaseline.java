package io.shmipc.it;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Descriptors, sockets and mappings of this process at one moment (after a warm-up), to assert later that sessions
 * that ended, however they ended, gave everything back: no memfd, region file, region mapping or socket of ours left,
 * fds and mappings back within a small slack (the JVM maps and opens things of its own).
 */
record ResourceBaseline(int fds, long sockets, long mappings) {
    private static final int FD_SLACK = 2;
    private static final int MAPPING_SLACK = 8;

    /** @param released what should have released its buffer region before the baseline, for the failure message */
    static ResourceBaseline take(final String released) throws InterruptedException {
        assertEquals(0, Resources.settleAtMost(() -> Resources.mappingsOfLength(Resources.ODD_REGION_32M), 0),
            released + " released its buffer region");
        return new ResourceBaseline(Resources.fdCount(), Resources.sessionSocketFds(Resources.self()),
            Resources.mappingCount());
    }

    /** @param figure the label the resource figure is reported under */
    void assertRestored(final String prefix, final String figure) throws InterruptedException {
        final long self = Resources.self();
        assertEquals(0, Resources.awaitAtMost(() -> Resources.fdsContaining(self, Resources.OUR_MEMFD), 0, 2000),
            "memfd descriptors left: " + Resources.fdTargets(self));
        assertEquals(0, Resources.awaitAtMost(() -> Resources.mappingsContaining(self, Resources.OUR_MEMFD), 0,
            2000), "shared memfd mappings left");
        assertEquals(0, Resources.awaitAtMost(() -> Resources.mappingsContaining(self, prefix), 0, 2000),
            "region file mappings left");
        assertEquals(List.of(), Resources.filesWithPrefix(prefix), "region files left");
        final long socketsNow = Resources.awaitAtMost(() -> Resources.sessionSocketFds(self), sockets, 2000);
        assertTrue(socketsNow <= sockets, "sockets back to " + sockets + ", now " + socketsNow + ": "
            + Resources.fdTargets(self) + Resources.describeSockets(self));
        assertEquals(0, Resources.settleAtMost(() -> Resources.mappingsOfLength(Resources.ODD_REGION_32M), 0),
            "every buffer region's address range was released once its session became unreachable");
        final long fdsNow = Resources.settleAtMost(Resources::fdCount, fds + FD_SLACK);
        final long mappingsNow = Resources.settleAtMost(Resources::mappingCount, mappings + MAPPING_SLACK);
        Figures.report(figure, "fds " + fds + " -> " + fdsNow + ", mappings " + mappings + " -> " + mappingsNow);
        assertTrue(fdsNow <= fds + FD_SLACK, "descriptors back to " + fds + " (+" + FD_SLACK + "), now " + fdsNow
            + ": " + Resources.fdTargets(self));
        assertTrue(mappingsNow <= mappings + MAPPING_SLACK, "mappings back to " + mappings + " (+" + MAPPING_SLACK
            + "), now " + mappingsNow);
    }
}
