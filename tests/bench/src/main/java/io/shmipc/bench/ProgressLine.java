package io.shmipc.bench;

import java.io.PrintStream;

/**
 * The progress line on stderr: rewritten in place on a terminal, one line per update otherwise (logs, CI).
 */
public final class ProgressLine
{
    private static final int WIDTH = 100;

    private final PrintStream err;
    private final boolean inPlace;
    private final int totalSteps;
    private int step;
    private String stepText = "";
    private boolean dirty;

    /**
     * @param err        where to write.
     * @param inPlace    whether to rewrite one line with carriage returns.
     * @param totalSteps how many steps the run has.
     */
    public ProgressLine(final PrintStream err, final boolean inPlace, final int totalSteps)
    {
        this.err = err;
        this.inPlace = inPlace;
        this.totalSteps = totalSteps;
    }

    /**
     * Starts the next step.
     *
     * @param text what the step does, e.g. {@code "pingpong tcp"}.
     */
    public synchronized void step(final String text)
    {
        step++;
        stepText = text;
        show(text);
    }

    /**
     * Updates the current step's detail, e.g. the payload size being measured.
     *
     * @param detail what the peer reported.
     */
    public synchronized void detail(final String detail)
    {
        if (inPlace)
        {
            show(stepText + ": " + detail);
        }
    }

    /**
     * Prints a message on its own line, above the progress line.
     *
     * @param message the message.
     */
    public synchronized void message(final String message)
    {
        clear();
        err.println(message);
        err.flush();
    }

    /**
     * Clears the progress line at the end of the run.
     */
    public synchronized void finish()
    {
        clear();
    }

    private void show(final String text)
    {
        final String line = "shmipc bench [" + step + "/" + totalSteps + "] " + text;
        if (inPlace)
        {
            final String fitted = line.length() > WIDTH ? line.substring(0, WIDTH) : line;
            err.print("\r" + fitted + " ".repeat(WIDTH - fitted.length()));
            dirty = true;
        }
        else
        {
            err.println(line);
        }
        err.flush();
    }

    private void clear()
    {
        if (dirty)
        {
            err.print("\r" + " ".repeat(WIDTH) + "\r");
            dirty = false;
        }
    }
}
