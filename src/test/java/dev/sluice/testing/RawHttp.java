package dev.sluice.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PushbackInputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A raw TCP connection to the proxy (java.net.Socket), for requests no HTTP client would send: ambiguous framing,
 * folded headers, bad chunks, pipelines, and clients that stall. Reads answers byte by byte so that it can tell
 * exactly what came back and whether the proxy closed the connection.
 */
public final class RawHttp implements AutoCloseable {

    /** One HTTP/1.1 answer as it came over the wire. */
    public record Answer(int status, Map<String, String> headers, String body) {
        public String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }
    }

    private final Socket socket;
    private final PushbackInputStream in;
    private final OutputStream out;

    private RawHttp(Socket socket) throws IOException {
        this.socket = socket;
        this.in = new PushbackInputStream(socket.getInputStream(), 1);
        this.out = socket.getOutputStream();
    }

    public static RawHttp connect(int port) {
        try {
            Socket socket = new Socket("127.0.0.1", port);
            socket.setSoTimeout(10_000);
            socket.setTcpNoDelay(true);
            return new RawHttp(socket);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public RawHttp send(String text) {
        try {
            out.write(text.getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            return this;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Sends {@code text} in {@code pieces} parts with {@code gapMillis} between them. */
    public RawHttp trickle(String text, int pieces, long gapMillis) throws InterruptedException {
        int size = (text.length() + pieces - 1) / pieces;
        for (int at = 0; at < text.length(); at += size) {
            if (at > 0) {
                Thread.sleep(gapMillis);
            }
            send(text.substring(at, Math.min(text.length(), at + size)));
        }
        return this;
    }

    /** Reads one answer (a body framed by content-length or chunks); fails when the connection ends first. */
    public Answer read() {
        try {
            String statusLine = line();
            if (statusLine == null) {
                throw new AssertionError("the connection closed before an answer");
            }
            int status = Integer.parseInt(statusLine.split(" ")[1]);
            Map<String, String> headers = new LinkedHashMap<>();
            for (String line = line(); line != null && !line.isEmpty(); line = line()) {
                int colon = line.indexOf(':');
                headers.put(line.substring(0, colon).trim().toLowerCase(Locale.ROOT), line.substring(colon + 1).trim());
            }
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
                for (int size = chunkSize(); size > 0; size = chunkSize()) {
                    body.write(in.readNBytes(size));
                    line();
                }
                line();
            } else if (headers.containsKey("content-length")) {
                body.write(in.readNBytes(Integer.parseInt(headers.get("content-length"))));
            }
            return new Answer(status, headers, body.toString(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Every answer until the proxy closes the connection (or {@code limit} answers). */
    public List<Answer> readAll(int limit) {
        List<Answer> answers = new ArrayList<>();
        while (answers.size() < limit && !closedByPeer()) {
            answers.add(read());
        }
        return answers;
    }

    /**
     * Waits (up to the socket timeout) for the proxy to close the connection: true when it did (end of stream or
     * reset), false when bytes came instead or nothing happened in time.
     */
    public boolean closedByPeer() {
        try {
            int next = in.read();
            if (next < 0) {
                return true;
            }
            in.unread(next);
            return false;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (SocketException e) {
            return true;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Milliseconds until the proxy closed the connection, reading and dropping whatever it sent before. */
    public long millisUntilClosed() {
        long start = System.nanoTime();
        try {
            while (in.read() >= 0) {
                // drop
            }
        } catch (SocketTimeoutException e) {
            throw new AssertionError("the proxy kept the connection open");
        } catch (SocketException e) {
            // reset: closed
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return (System.nanoTime() - start) / 1_000_000;
    }

    private int chunkSize() throws IOException {
        return Integer.parseInt(line().trim(), 16);
    }

    private String line() throws IOException {
        StringBuilder line = new StringBuilder();
        int b;
        while ((b = in.read()) >= 0) {
            if (b == '\n') {
                int length = line.length();
                return length > 0 && line.charAt(length - 1) == '\r' ? line.substring(0, length - 1) : line.toString();
            }
            line.append((char) b);
        }
        return line.length() == 0 ? null : line.toString();
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException e) {
            // closing
        }
    }
}
