package io.shmipc.transport;

import io.shmipc.transport.remote.Connection;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.Consumer;

/**
 * The calls of a client waiting for replies, by seq id. Seq ids are handed out in sequence, so the calls in flight
 * at once fall into distinct slots of a small array indexed by the low bits of their seq id: registering and removing
 * a call is one compare-and-set, with no boxing and no map node. A call whose slot is taken (a caller-chosen seq id,
 * or more calls in flight than slots) goes to a map instead.
 */
final class PendingCalls
{
    private static final int SLOTS = 1024;
    private static final int MASK = SLOTS - 1;

    private final AtomicReferenceArray<PendingCall<?>> slots = new AtomicReferenceArray<>(SLOTS);
    private final ConcurrentHashMap<Integer, PendingCall<?>> overflow = new ConcurrentHashMap<>();

    /**
     * @return {@code false} when a call with the same seq id is already pending.
     */
    boolean add(final PendingCall<?> call)
    {
        final int seqId = call.seqId();
        final int index = seqId & MASK;
        while (true)
        {
            final PendingCall<?> occupant = slots.get(index);
            if (occupant == null)
            {
                if (slots.compareAndSet(index, null, call))
                {
                    if (!overflow.isEmpty() && overflow.containsKey(seqId))
                    {
                        // The same seq id went to the map while the slot was taken: keep the one already there.
                        slots.compareAndSet(index, call, null);
                        return false;
                    }
                    return true;
                }
                continue;
            }
            if (occupant.seqId() == seqId)
            {
                return false;
            }
            return overflow.putIfAbsent(seqId, call) == null && !sameIdInSlot(index, seqId, call);
        }
    }

    /** After a call went to the map: false (and undone) if a call with its seq id took the slot meanwhile. */
    private boolean sameIdInSlot(final int index, final int seqId, final PendingCall<?> call)
    {
        final PendingCall<?> occupant = slots.get(index);
        if (occupant != null && occupant.seqId() == seqId)
        {
            overflow.remove(seqId, call);
            return true;
        }
        return false;
    }

    /**
     * @return the call pending with {@code seqId}, now removed, or {@code null}.
     */
    PendingCall<?> remove(final int seqId)
    {
        final int index = seqId & MASK;
        final PendingCall<?> occupant = slots.get(index);
        if (occupant != null && occupant.seqId() == seqId && slots.compareAndSet(index, occupant, null))
        {
            return occupant;
        }
        return overflow.isEmpty() ? null : overflow.remove(seqId);
    }

    /** Removes {@code call} if it is still pending. */
    void remove(final PendingCall<?> call)
    {
        final int index = call.seqId() & MASK;
        // Usually a reply took it off already: a read, where a compare-and-set would lock the line for nothing.
        if ((slots.get(index) != call || !slots.compareAndSet(index, call, null)) && !overflow.isEmpty())
        {
            overflow.remove(call.seqId(), call);
        }
    }

    /**
     * @return whether a call on {@code connection} is pending.
     */
    boolean anyOn(final Connection connection)
    {
        for (int i = 0; i < SLOTS; i++)
        {
            final PendingCall<?> call = slots.get(i);
            if (call != null && call.connection() == connection)
            {
                return true;
            }
        }
        for (final PendingCall<?> call : overflow.values())
        {
            if (call.connection() == connection)
            {
                return true;
            }
        }
        return false;
    }

    /** Every pending call, for failing those of a connection that closed. */
    void forEach(final Consumer<PendingCall<?>> action)
    {
        for (int i = 0; i < SLOTS; i++)
        {
            final PendingCall<?> call = slots.get(i);
            if (call != null)
            {
                action.accept(call);
            }
        }
        overflow.values().forEach(action);
    }
}
