package io.shmipc.demo;

import io.shmipc.nativeio.Futex;
import io.shmipc.nativeio.MemFd;
import io.shmipc.nativeio.Mmap;
import io.shmipc.nativeio.Platform;
import io.shmipc.nativeio.Posix;
import io.shmipc.nativeio.UnixSocket;

import java.nio.file.Files;
import java.nio.file.Path;

/** {@code ./shmipc doctor}: checks what this machine supports and says what will and will not work. */
public final class DoctorMain {
    private static int problems;

    private DoctorMain() {
    }

    public static void main(final String[] args) throws Exception {
        System.out.println("shmipc doctor");
        check("operating system", System.getProperty("os.name") + " " + System.getProperty("os.arch"),
            Platform.isSupported(), Platform.unsupportedReason());
        if (!Platform.isSupported()) {
            System.out.println("=> shared memory is unavailable; the transport falls back to TCP.");
            System.exit(1);
        }
        System.out.println("  java              " + Runtime.version() + " (" + System.getProperty("java.vendor") + ")");
        probe("memfd_create", () -> {
            final int fd = MemFd.create("shmipc-doctor");
            Posix.ftruncate(fd, 4096);
            MemFd.addSeals(fd, MemFd.F_SEAL_SHRINK | MemFd.F_SEAL_GROW);
            final long address = Mmap.map(fd, 4096, true);
            Mmap.unmap(address, 4096);
            Posix.close(fd);
            return "works, sealable (default memory type)";
        }, "memfd mode will not work; set SHMIPC_MEMORY_TYPE=file");
        probe("/dev/shm", () -> {
            final Path dir = Path.of("/dev/shm");
            if (!Files.isDirectory(dir) || !Files.isWritable(dir)) {
                throw new IllegalStateException("missing or not writable");
            }
            return Files.getFileStore(dir).getUsableSpace() / (1 << 20) + " MiB free";
        }, "file mode (SHMIPC_MEMORY_TYPE=file) will not work");
        probe("futex", () -> {
            final int fd = MemFd.create("shmipc-doctor-futex");
            Posix.ftruncate(fd, 4096);
            final long address = Mmap.map(fd, 4096, true);
            final int result = Futex.wait(address, 1, 1_000_000);
            Mmap.unmap(address, 4096);
            Posix.close(fd);
            if (result != Futex.VALUE_CHANGED) {
                throw new IllegalStateException("unexpected result " + result);
            }
            return "works (shmipc-java peers wake each other without socket writes)";
        }, "wake-ups fall back to Polling events on the control socket");
        probe("unix sockets", () -> {
            final Path dir = Files.createTempDirectory("shmipc-doctor");
            final Path path = dir.resolve("s");
            try (UnixSocket listener = UnixSocket.listen(path, 1, 0600);
                 UnixSocket client = UnixSocket.connect(path);
                 UnixSocket server = listener.accept()) {
                return "work, peer uid " + server.peerCredentials().uid() + " (fd passing used by memfd mode)";
            } finally {
                Files.deleteIfExists(path);
                Files.deleteIfExists(dir);
            }
        }, "no shared-memory sessions possible; the transport falls back to TCP");
        System.out.println(problems == 0 ? "=> everything shmipc needs works here."
            : "=> " + problems + " problem(s); see above for what still works.");
        System.exit(problems == 0 ? 0 : 1);
    }

    private interface Probe {
        String run() throws Exception;
    }

    private static void probe(final String what, final Probe probe, final String consequence) {
        try {
            check(what, probe.run(), true, null);
        } catch (final Exception | Error e) {
            check(what, e.getMessage(), false, consequence);
        }
    }

    private static void check(final String what, final String detail, final boolean ok, final String consequence) {
        System.out.printf("  %-17s %s %s%n", what, ok ? "OK  " : "FAIL", detail == null ? "" : detail);
        if (!ok) {
            problems++;
            if (consequence != null) {
                System.out.printf("  %-17s      => %s%n", "", consequence);
            }
        }
    }
}
