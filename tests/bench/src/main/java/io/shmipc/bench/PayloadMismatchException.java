package io.shmipc.bench;

/**
 * A received payload is not what its sender wrote: the transport corrupted, lost or reordered data. Aborts the run.
 */
public final class PayloadMismatchException extends RuntimeException
{
    private static final long serialVersionUID = 1L;

    /** Every mismatch message starts with this, so callers and tests can recognise it. */
    public static final String MESSAGE_PREFIX = "payload checksum mismatch";

    /**
     * @param detail where and how the payload differs.
     */
    public PayloadMismatchException(final String detail)
    {
        super(MESSAGE_PREFIX + ": " + detail);
    }
}
