package dev.docref.trap;

import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Renders {@link FoldedStacks} as an off-CPU flame graph: one self-contained SVG file (no script, no external
 * style or font), in the layout of Brendan Gregg's {@code flamegraph.pl}.
 * <p>
 * The bottom bar is all off-CPU time; above it each thread, then each stack's frames from the root up. A frame's
 * width is proportional to the microseconds of the stacks through it: frames span 1,180 px of the 1,200 px image, so
 * a capture of 60 s off-CPU in all draws 1 px per 51 ms. Siblings are sorted by name, so the x axis is not time.
 * Hovering a frame shows its full name, microseconds and share. Colours: kernel frames ({@code _[k]}) orange, Java
 * frames green, other native frames red, {@code [unknown]} grey, threads blue; shades vary by name so neighbours
 * differ.
 * Frames narrower than 0.1 px are not drawn (their time still counts in their parents).
 * <p>
 * <b>Thread-safety:</b> stateless; safe from any thread.
 */
public final class FlameGraph
{
    /** Image width in pixels. */
    static final int WIDTH = 1200;
    /** Height of one frame in pixels. */
    static final int FRAME_HEIGHT = 16;
    private static final int PAD = 10;
    private static final int HEADER = 48;
    private static final int FOOTER = 10;
    private static final double MIN_WIDTH = 0.1;
    private static final double CHAR_WIDTH = 7.2;

    private FlameGraph()
    {
    }

    /**
     * @param stacks the stacks; empty gives a small SVG that says so.
     * @param title  the heading, e.g. {@code "Off-CPU time, pid 4242, 15 s from 2026-11-29T10:15:00Z"}.
     * @return the SVG document.
     */
    public static String render(final FoldedStacks stacks, final String title)
    {
        final Node root = new Node("all");
        for (final Map.Entry<String, Long> entry : stacks.stacks().entrySet())
        {
            root.add(entry.getKey().split(";"), 0, entry.getValue());
        }
        final double scale = stacks.isEmpty() ? 0 : (WIDTH - 2.0 * PAD) / root.micros;
        // Only frames wide enough to draw count: one deep but invisible stack must not make the image tall.
        final int depth = root.depth(MIN_WIDTH / Math.max(scale, Double.MIN_VALUE));
        final int height = HEADER + (depth + 1) * FRAME_HEIGHT + FOOTER;
        final StringBuilder svg = new StringBuilder(4096 + stacks.size() * 512);
        svg.append("<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n")
            .append("<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"").append(WIDTH)
            .append("\" height=\"").append(height).append("\" viewBox=\"0 0 ").append(WIDTH).append(' ')
            .append(height).append("\">\n")
            .append("<style>text { font-family: monospace; font-size: 12px; fill: #000; } ")
            .append("g.frame:hover rect { stroke: #000; stroke-width: 1; } ")
            .append(".title { font-size: 16px; } .subtitle { fill: #444; font-size: 11px; }</style>\n")
            .append("<rect x=\"0\" y=\"0\" width=\"100%\" height=\"100%\" fill=\"#f8f8f8\"/>\n");
        text(svg, WIDTH / 2.0, 20, "title", "middle", title);
        final String subtitle = stacks.isEmpty()
            ? "No off-CPU stacks were captured."
            : String.format(Locale.ROOT, "%,d us off-CPU in %,d stacks; width is time, hover a frame for details. " +
                "Orange: kernel, red: native, green: Java, grey: unknown, blue: thread.",
                stacks.totalMicros(), stacks.size());
        text(svg, WIDTH / 2.0, 38, "subtitle", "middle", subtitle);
        if (!stacks.isEmpty())
        {
            frame(svg, root, 0, PAD, height - FOOTER, scale, root.micros);
        }
        svg.append("</svg>\n");
        return svg.toString();
    }

    private static void frame(
        final StringBuilder svg, final Node node, final int level, final double x, final int bottom,
        final double scale, final long total)
    {
        final double width = node.micros * scale;
        if (width < MIN_WIDTH)
        {
            return;
        }
        final double y = bottom - (level + 1) * FRAME_HEIGHT;
        final boolean kernel = node.name.endsWith(FoldedStacks.KERNEL_SUFFIX);
        final String shown = kernel
            ? node.name.substring(0, node.name.length() - FoldedStacks.KERNEL_SUFFIX.length()) : node.name;
        svg.append("<g class=\"frame\"><title>")
            .append(escapeXml(shown)).append(kernel ? " [kernel]" : "")
            .append(String.format(Locale.ROOT, " (%,d us, %.2f%%)", node.micros, 100.0 * node.micros / total))
            .append("</title><rect x=\"").append(format(x)).append("\" y=\"").append(format(y))
            .append("\" width=\"").append(format(width)).append("\" height=\"").append(FRAME_HEIGHT - 1)
            .append("\" rx=\"2\" ry=\"2\" fill=\"").append(colour(node.name, level)).append("\"/>");
        final int fits = (int)((width - 6) / CHAR_WIDTH);
        if (fits >= 3)
        {
            final String label = shown.length() <= fits ? shown : Excerpt.head(shown, fits - 2) + "..";
            svg.append("<text x=\"").append(format(x + 3)).append("\" y=\"").append(format(y + 11.5)).append("\">")
                .append(escapeXml(label)).append("</text>");
        }
        svg.append("</g>\n");
        double childX = x;
        for (final Node child : node.children.values())
        {
            frame(svg, child, level + 1, childX, bottom, scale, total);
            childX += child.micros * scale;
        }
    }

    /** A fill colour by kind of frame, with a shade from the name's hash so that neighbours differ. */
    static String colour(final String name, final int level)
    {
        final int hash = name.hashCode() * 0x9E3779B1;
        final double v1 = ((hash >>> 8) & 0xFF) / 255.0;
        final double v2 = ((hash >>> 16) & 0xFF) / 255.0;
        final int r;
        final int g;
        final int b;
        if (level == 0)
        {
            r = 200;
            g = 200;
            b = 200;
        }
        else if (level == 1)
        {
            r = (int)(130 + 40 * v1);
            g = (int)(170 + 40 * v1);
            b = (int)(220 + 30 * v2);
        }
        else if (name.endsWith(FoldedStacks.KERNEL_SUFFIX))
        {
            r = (int)(225 + 20 * v1);
            g = (int)(150 + 30 * v2);
            b = (int)(40 + 30 * v1);
        }
        else if (name.startsWith("[unknown]") || name.startsWith("[Missed"))
        {
            r = (int)(180 + 20 * v1);
            g = r;
            b = r;
        }
        else if (isJava(name))
        {
            r = (int)(70 + 50 * v1);
            g = (int)(190 + 45 * v2);
            b = (int)(70 + 40 * v1);
        }
        else
        {
            r = (int)(235 + 20 * v1);
            g = (int)(95 + 40 * v2);
            b = (int)(95 + 30 * v1);
        }
        return String.format(Locale.ROOT, "#%02x%02x%02x", r, g, b);
    }

    /**
     * Java frames as the JVM's symbol maps name them: {@code java.lang.Thread.sleep}, {@code java/lang/Thread.run},
     * or perf-map-agent's {@code Ljava/lang/Thread;::run}. C++ frames ({@code JavaThread::run}) and libraries
     * ({@code libc.so.6}) are native.
     */
    static boolean isJava(final String name)
    {
        if (name.startsWith("L") && name.contains(";::"))
        {
            return true;
        }
        return !name.contains("::") && !name.contains(" ") && !name.contains(".so") &&
            (name.indexOf('/') > 0 || name.indexOf('.') > 0);
    }

    private static void text(
        final StringBuilder svg, final double x, final double y, final String cssClass, final String anchor,
        final String content)
    {
        svg.append("<text class=\"").append(cssClass).append("\" x=\"").append(format(x)).append("\" y=\"")
            .append(format(y)).append("\" text-anchor=\"").append(anchor).append("\">").append(escapeXml(content))
            .append("</text>\n");
    }

    private static String format(final double value)
    {
        return String.format(Locale.ROOT, "%.2f", value);
    }

    /**
     * Escape text for an XML or HTML text node or a double-quoted attribute, as this class does for frame names:
     * {@code &}, {@code <}, {@code >} and {@code "} become entities, and control characters XML 1.0 forbids become
     * {@code ?}. Public so that reports embedding these SVGs (the examples' incident report) escape their own text the
     * same way.
     *
     * @param text any text.
     * @return the text, safe inside an element or a double-quoted attribute.
     */
    public static String escapeXml(final String text)
    {
        final StringBuilder escaped = new StringBuilder(text.length() + 16);
        for (int i = 0; i < text.length(); i++)
        {
            final char c = text.charAt(i);
            switch (c)
            {
                case '&':
                    escaped.append("&amp;");
                    break;
                case '<':
                    escaped.append("&lt;");
                    break;
                case '>':
                    escaped.append("&gt;");
                    break;
                case '"':
                    escaped.append("&quot;");
                    break;
                default:
                    if (c >= 0x20 || c == '\t')
                    {
                        escaped.append(c);
                    }
                    else
                    {
                        escaped.append('?');
                    }
            }
        }
        return escaped.toString();
    }

    /** One frame of the merged tree: the microseconds of every stack through it. */
    private static final class Node
    {
        final String name;
        final TreeMap<String, Node> children = new TreeMap<>();
        long micros;

        Node(final String name)
        {
            this.name = name;
        }

        void add(final String[] frames, final int index, final long value)
        {
            micros += value;
            if (index < frames.length)
            {
                children.computeIfAbsent(frames[index], Node::new).add(frames, index + 1, value);
            }
        }

        /** @return how many levels above this one hold a frame of at least {@code minMicros}. */
        int depth(final double minMicros)
        {
            int deepest = 0;
            for (final Node child : children.values())
            {
                if (child.micros >= minMicros)
                {
                    deepest = Math.max(deepest, 1 + child.depth(minMicros));
                }
            }
            return deepest;
        }
    }
}
