// The evidence log's entry record: one RFC 8949 §4.2.1 core deterministic CBOR map per log index.
// The leaf hash is RFC 6962 §2.1 SHA-256(0x00 || these bytes) (MerkleHash.Leaf).
//
//   message: { 0: 0, 1: topic (tstr), 2: publisher (tstr), 3: INGESTION_TIME (uint, ms), 4: payload (bstr) }
//   void:    { 0: 1, 3: INGESTION_TIME (uint, ms), 5: reason (tstr) }
//
// Keys are the unsigned integers 0..23, each encoded as the single byte 0x00..0x17. For such keys RFC 8949
// §4.2.1's bytewise order of encoded keys and RFC 7049 §3.9's length-first order (what .NET's
// CborConformanceMode.Canonical implements) agree, so CborWriter/CborReader in Canonical mode produce and
// check exactly the RFC 8949 deterministic encoding. Keep every future key in 0..23 to keep that true.
// Every entry must fit a tlog-tiles entry bundle (uint16 length prefix, EntryBundle.MaxEntrySize), which
// the field limits below guarantee; see docs/evidence-log.md "Log entries".

using System.Diagnostics.CodeAnalysis;
using System.Formats.Cbor;
using System.Text;

namespace TimeMark.EvidenceLog;

/// <summary>One evidence log entry: a marked message, or a void entry for an index that could not be filled.</summary>
public sealed class LogEntry
{
    /// <summary>The largest encoded entry: what a tlog-tiles entry bundle can carry.</summary>
    public const int MaxEncodedSize = EntryBundle.MaxEntrySize;

    /// <summary>The largest topic, in UTF-8 bytes.</summary>
    public const int MaxTopicBytes = 1024;

    /// <summary>The largest publisher identity (MQTT client ID or agent ID), in UTF-8 bytes.</summary>
    public const int MaxPublisherBytes = 256;

    /// <summary>The largest void reason, in UTF-8 bytes.</summary>
    public const int MaxReasonBytes = 1024;

    /// <summary>
    /// The largest payload. With the largest topic, publisher and time an entry is 65,305 bytes, within
    /// <see cref="MaxEncodedSize"/>; larger MQTT payloads cannot be marked.
    /// </summary>
    public const int MaxPayloadSize = 64_000;

    private const int KeyKind = 0;
    private const int KeyTopic = 1;
    private const int KeyPublisher = 2;
    private const int KeyIngestionTime = 3;
    private const int KeyPayload = 4;
    private const int KeyReason = 5;

    // Strict UTF-8: a string with a lone surrogate has no UTF-8 form and is rejected, never replaced.
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private LogEntry(LogEntryKind kind, string? topic, string? publisher, ulong ingestionTimeMs, ReadOnlyMemory<byte> payload, string? reason)
    {
        Kind = kind;
        Topic = topic;
        Publisher = publisher;
        IngestionTimeMs = ingestionTimeMs;
        Payload = payload;
        Reason = reason;
    }

    /// <summary>What the entry records.</summary>
    public LogEntryKind Kind { get; }

    /// <summary>The message's MQTT topic; null for a void entry.</summary>
    public string? Topic { get; }

    /// <summary>The publisher's identity (MQTT client ID or agent ID); null for a void entry.</summary>
    public string? Publisher { get; }

    /// <summary>INGESTION_TIME: when the broker accepted the message (or voided the index), in milliseconds since the Unix epoch.</summary>
    public ulong IngestionTimeMs { get; }

    /// <summary>The payload exactly as forwarded; empty for a void entry.</summary>
    public ReadOnlyMemory<byte> Payload { get; }

    /// <summary>Why the index was voided; null for a message entry.</summary>
    public string? Reason { get; }

    /// <summary>A message entry. The payload is not copied: do not change it until the entry is formatted.</summary>
    /// <exception cref="ArgumentException">The topic or publisher is empty, too long or not valid UTF-16, or the payload is too large.</exception>
    public static LogEntry ForMessage(string topic, string publisher, ulong ingestionTimeMs, ReadOnlyMemory<byte> payload)
    {
        CheckText(topic, MaxTopicBytes, nameof(topic));
        CheckText(publisher, MaxPublisherBytes, nameof(publisher));
        if (payload.Length > MaxPayloadSize)
        {
            throw Errors.PayloadTooLarge(nameof(payload), payload.Length);
        }

        return new LogEntry(LogEntryKind.Message, topic, publisher, ingestionTimeMs, payload, null);
    }

    /// <summary>A void entry for an index that can no longer be filled with a message.</summary>
    /// <exception cref="ArgumentException">The reason is empty, too long or not valid UTF-16.</exception>
    public static LogEntry ForVoid(string reason, ulong ingestionTimeMs)
    {
        CheckText(reason, MaxReasonBytes, nameof(reason));
        return new LogEntry(LogEntryKind.Void, null, null, ingestionTimeMs, ReadOnlyMemory<byte>.Empty, reason);
    }

    // One writer per thread, reset for each entry: the broker formats one entry per message.
    [ThreadStatic] private static CborWriter? t_writer;

    /// <summary>The entry's deterministic CBOR encoding: the bytes the log stores and hashes.</summary>
    /// <remarks>
    /// Deterministic (RFC 8949 §4.2.1) by construction: CborWriter always writes shortest-form heads and definite
    /// lengths, and the keys below are distinct and written in ascending order. A Canonical-mode writer would
    /// produce the same bytes after sorting and checking the keys again, which costs a few allocations per entry;
    /// <see cref="TryParse"/> reads with a Canonical-mode reader, and the tests parse what Format writes.
    /// </remarks>
    public byte[] Format()
    {
        CborWriter writer = t_writer ??= new CborWriter(CborConformanceMode.Lax, convertIndefiniteLengthEncodings: false, allowMultipleRootLevelValues: false);
        writer.Reset();
        if (Kind == LogEntryKind.Message)
        {
            writer.WriteStartMap(5);
            writer.WriteInt32(KeyKind);
            writer.WriteInt32((int)LogEntryKind.Message);
            writer.WriteInt32(KeyTopic);
            writer.WriteTextString(Topic!);
            writer.WriteInt32(KeyPublisher);
            writer.WriteTextString(Publisher!);
            writer.WriteInt32(KeyIngestionTime);
            writer.WriteUInt64(IngestionTimeMs);
            writer.WriteInt32(KeyPayload);
            writer.WriteByteString(Payload.Span);
        }
        else
        {
            writer.WriteStartMap(3);
            writer.WriteInt32(KeyKind);
            writer.WriteInt32((int)LogEntryKind.Void);
            writer.WriteInt32(KeyIngestionTime);
            writer.WriteUInt64(IngestionTimeMs);
            writer.WriteInt32(KeyReason);
            writer.WriteTextString(Reason!);
        }

        writer.WriteEndMap();
        return writer.Encode();
    }

    /// <summary>
    /// Parses an entry strictly: exactly one deterministic CBOR map with exactly the fields of its kind,
    /// in key order, within the size limits, and nothing after it. A parsed entry formats back to <paramref name="encoded"/>.
    /// </summary>
    public static bool TryParse(ReadOnlyMemory<byte> encoded, [NotNullWhen(true)] out LogEntry? entry, out ParseError error)
    {
        entry = null;
        if (encoded.Length > MaxEncodedSize)
        {
            error = ParseError.TooLarge;
            return false;
        }

        try
        {
            error = Read(new CborReader(encoded, CborConformanceMode.Canonical), out entry);
        }
        catch (CborContentException)
        {
            // The reader found bytes that are not well-formed canonical CBOR (or ended early).
            error = ParseError.NotDeterministicCbor;
        }

        if (error != ParseError.None || entry is null)
        {
            entry = null;
            return false;
        }

        return true;
    }

    // Each value's type is peeked before it is read, so the reader only throws CborContentException (bad bytes).
    private static ParseError Read(CborReader reader, out LogEntry? entry)
    {
        entry = null;
        if (reader.PeekState() != CborReaderState.StartMap)
        {
            return ParseError.InvalidEntryField;
        }

        int? count = reader.ReadStartMap();
        if (!TryReadKey(reader, KeyKind) || !TryReadUInt(reader, out ulong kind))
        {
            return ParseError.InvalidEntryField;
        }

        ulong time;
        if (kind == (ulong)LogEntryKind.Message)
        {
            if (count != 5
                || !TryReadKey(reader, KeyTopic) || !TryReadText(reader, MaxTopicBytes, out string? topic)
                || !TryReadKey(reader, KeyPublisher) || !TryReadText(reader, MaxPublisherBytes, out string? publisher)
                || !TryReadKey(reader, KeyIngestionTime) || !TryReadUInt(reader, out time)
                || !TryReadKey(reader, KeyPayload) || reader.PeekState() != CborReaderState.ByteString)
            {
                return ParseError.InvalidEntryField;
            }

            byte[] payload = reader.ReadByteString();
            if (payload.Length > MaxPayloadSize)
            {
                return ParseError.InvalidEntryField;
            }

            entry = new LogEntry(LogEntryKind.Message, topic, publisher, time, payload, null);
        }
        else if (kind == (ulong)LogEntryKind.Void)
        {
            if (count != 3
                || !TryReadKey(reader, KeyIngestionTime) || !TryReadUInt(reader, out time)
                || !TryReadKey(reader, KeyReason) || !TryReadText(reader, MaxReasonBytes, out string? reason))
            {
                return ParseError.InvalidEntryField;
            }

            entry = new LogEntry(LogEntryKind.Void, null, null, time, ReadOnlyMemory<byte>.Empty, reason);
        }
        else
        {
            return ParseError.UnknownEntryKind;
        }

        reader.ReadEndMap();
        return reader.BytesRemaining == 0 ? ParseError.None : ParseError.TrailingBytes;
    }

    private static bool TryReadKey(CborReader reader, int key) =>
        TryReadUInt(reader, out ulong actual) && actual == (ulong)key;

    private static bool TryReadUInt(CborReader reader, out ulong value)
    {
        value = 0;
        if (reader.PeekState() != CborReaderState.UnsignedInteger)
        {
            return false;
        }

        value = reader.ReadUInt64();
        return true;
    }

    private static bool TryReadText(CborReader reader, int maxBytes, [NotNullWhen(true)] out string? text)
    {
        text = null;
        if (reader.PeekState() != CborReaderState.TextString)
        {
            return false;
        }

        // Canonical mode rejects invalid UTF-8, so the string round-trips to the same bytes.
        string value = reader.ReadTextString();
        if (value.Length == 0 || StrictUtf8.GetByteCount(value) > maxBytes)
        {
            return false;
        }

        text = value;
        return true;
    }

    private static void CheckText(string value, int maxBytes, string paramName)
    {
        ArgumentNullException.ThrowIfNull(value, paramName);
        int bytes;
        try
        {
            bytes = StrictUtf8.GetByteCount(value);
        }
        catch (EncoderFallbackException)
        {
            throw Errors.InvalidEntryText(paramName, maxBytes);
        }

        if (bytes is 0 || bytes > maxBytes)
        {
            throw Errors.InvalidEntryText(paramName, maxBytes);
        }
    }
}
