package io.shmipc.transport.config;

/**
 * The shared-memory settings read from the environment, each with its environment variable (the {@code SHMIPC_*}
 * names Kitex's shm transport used, plus {@code SHMIPC_ENABLE} and {@code SHMIPC_FALLBACK_ADDR}) and its
 * system-property twin.
 */
public enum ShmSetting
{
    /** Whether clients try shared memory and servers also listen on it ({@code true}/{@code false}). */
    ENABLE("SHMIPC_ENABLE", "shmipc.enable"),
    /** The ShmIPC control socket path. */
    PATH("SHMIPC_PATH", "shmipc.path"),
    /** The TCP address ({@code host:port}) used when shared memory is not. */
    FALLBACK_ADDR("SHMIPC_FALLBACK_ADDR", "shmipc.fallback.addr"),
    /** {@code memfd} or {@code file} (also Kitex's numeric {@code 1} / {@code 0}); parsed by shmipc-core. */
    MEMORY_TYPE("SHMIPC_MEMORY_TYPE", "shmipc.memory.type"),
    /** Bytes of the buffer region; a {@code k}, {@code m} or {@code g} suffix multiplies by 1024s. */
    BUFFER_CAPACITY("SHMIPC_BUFFER_CAPACITY", "shmipc.buffer.capacity"),
    /**
     * Slice classes as {@code dataBytes:percent,...} (shmipc-core's {@code SliceClass.parse}), percents adding up to
     * at most 100.
     */
    SLICE_SIZE_PERCENTS("SHMIPC_SLICE_SIZE_PERCENTS", "shmipc.slice.size.percents"),
    /** Capacity of each event queue, in elements. */
    QUEUE_CAP("SHMIPC_QUEUE_CAP", "shmipc.queue.cap"),
    /** Sessions per client. */
    CONCURRENCY("SHMIPC_CONCURRENCY", "shmipc.concurrency"),
    /** Polls of the receive queue a waiting thread makes before it parks. */
    SPIN("SHMIPC_SPIN", "shmipc.spin"),
    /** Futex wake-ups between two shmipc-java peers ({@code true}/{@code false}); see docs/PROTOCOL.md. */
    FUTEX_WAKE("SHMIPC_FUTEX_WAKE", "shmipc.futex.wake"),
    /** Message rings between two shmipc-java peers over memfd ({@code true}/{@code false}); see docs/PROTOCOL.md. */
    MESSAGE_RINGS("SHMIPC_MESSAGE_RINGS", "shmipc.message.rings"),
    /** Path prefix of region files when the memory type is {@code file}. */
    FILE_PREFIX("SHMIPC_FILE_PREFIX", "shmipc.file.prefix");

    private final String environmentVariable;
    private final String systemProperty;

    ShmSetting(final String environmentVariable, final String systemProperty)
    {
        this.environmentVariable = environmentVariable;
        this.systemProperty = systemProperty;
    }

    /**
     * @return the environment variable's name.
     */
    public String environmentVariable()
    {
        return environmentVariable;
    }

    /**
     * @return the system property's name.
     */
    public String systemProperty()
    {
        return systemProperty;
    }
}
