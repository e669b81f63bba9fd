import CZlib

/// Raw deflate streams and CRC-32 checksums, for zip archives (numpy's `.npz` network files).
/// With the gzip reader of ``readFileBytes(_:kind:nullTerminated:decompressingGzip:)`` this is
/// the package's only use of zlib.
package enum Deflate {
    /// Why ``inflateRaw(_:size:)`` failed.
    package enum Failure: Error, Equatable {
        /// zlib could not set up a stream.
        case cannotInitialize
        /// The stream is valid but holds more or fewer than the announced bytes.
        case sizeMismatch
        /// The data is not a valid deflate stream (zlib's status code).
        case corrupt(status: Int32)
    }

    /// Decompresses a raw deflate stream (no zlib header, hence the negative window bits) whose
    /// uncompressed size is known to be `size`. The caller bounds `size` (and checks it against
    /// memory) before calling: the output is allocated up front.
    package static func inflateRaw(_ input: [UInt8], size: Int) throws(Failure) -> [UInt8] {
        precondition(size >= 0 && size < Int(UInt32.max) && input.count < Int(UInt32.max),
                     "Deflate.inflateRaw: sizes must fit zlib's 32-bit counts")
        var output = [UInt8](repeating: 0, count: size)
        var input = input
        var stream = z_stream()
        guard inflateInit2_(&stream, -MAX_WBITS, zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw .cannotInitialize
        }
        defer { inflateEnd(&stream) }
        var placeholder: UInt8 = 0
        let status: Int32 = input.withUnsafeMutableBufferPointer { inBuffer in
            output.withUnsafeMutableBufferPointer { outBuffer in
                withUnsafeMutablePointer(to: &placeholder) { empty in
                    // zlib wants non-null pointers even for empty buffers.
                    stream.next_in = inBuffer.baseAddress ?? empty
                    stream.avail_in = UInt32(inBuffer.count)
                    stream.next_out = outBuffer.baseAddress ?? empty
                    stream.avail_out = UInt32(outBuffer.count)
                    return inflate(&stream, Z_FINISH)
                }
            }
        }
        guard status == Z_STREAM_END, Int(stream.total_out) == size else {
            // A full output buffer with data left over is a size mismatch, not corruption.
            if status == Z_STREAM_END || status == Z_BUF_ERROR && stream.avail_out == 0 { throw .sizeMismatch }
            throw .corrupt(status: status)
        }
        return output
    }

    /// The CRC-32 checksum of `data` (as zip archives store it).
    package static func crc32Checksum(_ data: [UInt8]) -> UInt32 {
        data.withUnsafeBufferPointer { buffer in
            // Chunks keep each length within zlib's 32-bit `uInt`.
            var crc = crc32(0, nil, 0)
            var offset = 0
            repeat {
                let count = min(buffer.count - offset, 1 << 30)
                crc = crc32(crc, buffer.baseAddress.map { $0 + offset }, UInt32(count))
                offset += count
            } while offset < buffer.count
            return UInt32(truncatingIfNeeded: crc)
        }
    }
}
