package dev.docref.trap;

import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.Iterator;
import java.util.Map;

/**
 * Writes {@code summary.json}: maps, collections, strings, numbers, booleans, {@code null}, {@link Instant}s (as
 * ISO-8601 strings) and {@link Duration}s (as milliseconds), indented by two spaces.
 * <p>
 * A writer only, so that the trap needs no JSON library at run time. <b>Thread-safety:</b> stateless.
 */
final class Json
{
    private Json()
    {
    }

    static String write(final Object value)
    {
        final StringBuilder json = new StringBuilder(4096);
        value(json, value, 0);
        return json.append('\n').toString();
    }

    private static void value(final StringBuilder json, final Object value, final int indent)
    {
        if (value == null)
        {
            json.append("null");
        }
        else if (value instanceof Map)
        {
            object(json, (Map<?, ?>)value, indent);
        }
        else if (value instanceof Collection)
        {
            array(json, (Collection<?>)value, indent);
        }
        else if (value instanceof Boolean || value instanceof Integer || value instanceof Long)
        {
            json.append(value);
        }
        else if (value instanceof Double || value instanceof Float)
        {
            final double number = ((Number)value).doubleValue();
            if (Double.isFinite(number))
            {
                json.append(number);
            }
            else
            {
                json.append("null");
            }
        }
        else if (value instanceof Duration)
        {
            json.append(((Duration)value).toMillis());
        }
        else
        {
            string(json, value.toString());
        }
    }

    private static void object(final StringBuilder json, final Map<?, ?> map, final int indent)
    {
        if (map.isEmpty())
        {
            json.append("{}");
            return;
        }
        json.append("{\n");
        final Iterator<? extends Map.Entry<?, ?>> entries = map.entrySet().iterator();
        while (entries.hasNext())
        {
            final Map.Entry<?, ?> entry = entries.next();
            pad(json, indent + 1);
            string(json, String.valueOf(entry.getKey()));
            json.append(": ");
            value(json, entry.getValue(), indent + 1);
            json.append(entries.hasNext() ? ",\n" : "\n");
        }
        pad(json, indent);
        json.append('}');
    }

    private static void array(final StringBuilder json, final Collection<?> items, final int indent)
    {
        if (items.isEmpty())
        {
            json.append("[]");
            return;
        }
        json.append("[\n");
        final Iterator<?> iterator = items.iterator();
        while (iterator.hasNext())
        {
            pad(json, indent + 1);
            value(json, iterator.next(), indent + 1);
            json.append(iterator.hasNext() ? ",\n" : "\n");
        }
        pad(json, indent);
        json.append(']');
    }

    private static void string(final StringBuilder json, final String text)
    {
        json.append('"');
        for (int i = 0; i < text.length(); i++)
        {
            final char c = text.charAt(i);
            switch (c)
            {
                case '"':
                    json.append("\\\"");
                    break;
                case '\\':
                    json.append("\\\\");
                    break;
                case '\n':
                    json.append("\\n");
                    break;
                case '\r':
                    json.append("\\r");
                    break;
                case '\t':
                    json.append("\\t");
                    break;
                default:
                    if (c < 0x20)
                    {
                        json.append(String.format("\\u%04x", (int)c));
                    }
                    else
                    {
                        json.append(c);
                    }
            }
        }
        json.append('"');
    }

    private static void pad(final StringBuilder json, final int indent)
    {
        for (int i = 0; i < indent; i++)
        {
            json.append("  ");
        }
    }
}
