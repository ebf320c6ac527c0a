package io.shmipc.it;

/**
 * What a hostile peer does once the handshake is done, and a fragment of the error the victim must report for it.
 * The data scenarios act on stream 2 (the first stream a client opens).
 */
enum Misbehaviour {
    /** A queue element whose buffer offset lies far outside the region. */
    OFFSET_OUT_OF_REGION("is not the start of a slice"),
    /** A queue element pointing into the middle of a slice. */
    OFFSET_INSIDE_A_SLICE("is not the start of a slice"),
    /** A slice header announcing more data than the slice holds. */
    SLICE_SIZE_BEYOND_CAPACITY("in a capacity of"),
    /** A two-slice chain whose second link points back at the first. */
    CHAIN_CYCLE("a cycle"),
    /** A chain whose next link leaves the region. */
    CHAIN_LINK_OUT_OF_REGION("is not the start of a slice"),
    /** A queue element whose status carries a stream state no peer defines. */
    UNKNOWN_STATE("has state 7"),
    /** The queue's tail moved far beyond what its capacity allows. */
    TAIL_BEYOND_CAPACITY("queue indices out of range"),
    /** Message rings (memfd, both sides shmipc-java): a record that claims to run past the ring's end. */
    RING_RECORD_PAST_END("remain before the ring's end"),
    /** Message rings: a record of a type no peer defines. */
    RING_UNKNOWN_RECORD_TYPE("unknown type 9"),
    /** Message rings: an element record whose buffer offset lies far outside the region. */
    RING_ELEMENT_OUT_OF_REGION("is not the start of a slice"),
    /** A control event of a type that does not exist. */
    UNKNOWN_EVENT_TYPE("unknown type 42"),
    /** A handshake event after the handshake. */
    HANDSHAKE_EVENT_AFTER_HANDSHAKE("after the handshake"),
    /** A control event with a wrong magic number. */
    BAD_MAGIC("magic"),
    /** A control event announcing 2 GiB. */
    OVERSIZED_EVENT("outside 8.."),
    /** The first bytes of a FallbackData event, then end of stream. */
    TRUNCATED_EVENT("truncated"),
    /** File mode: both region files cut to zero bytes under the victim's mapping (a SIGBUS on its next access). */
    TRUNCATED_REGION_FILES("faulted on access"),
    /** File mode: both region files unlinked, then a valid message: harmless, the mappings keep the memory. */
    UNLINKED_REGION_FILES(null);

    final String expectedMessage;

    Misbehaviour(final String expectedMessage) {
        this.expectedMessage = expectedMessage;
    }
}
