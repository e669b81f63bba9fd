import Foundation

@_cdecl("conic_result_free")
public func conic_result_free(_ result: OpaquePointer?) {
    guard let result else { return }
    Unmanaged<ResultBox>.fromOpaque(UnsafeRawPointer(result)).release()
}

@_cdecl("conic_result_error")
public func conic_result_error(_ result: OpaquePointer?) -> Int32 {
    resultBox(result)?.code.rawValue ?? CErrorCode.argument.rawValue
}

@_cdecl("conic_result_error_message")
public func conic_result_error_message(_ result: OpaquePointer?) -> UnsafePointer<CChar>? {
    resultBox(result)?.message.pointer
}

@_cdecl("conic_result_number")
public func conic_result_number(_ result: OpaquePointer?, _ key: UnsafePointer<CChar>?, _ out: UnsafeMutablePointer<Double>?) -> Int32 {
    guard let box = resultBox(result), let key, let out else { return CErrorCode.argument.rawValue }
    guard let value = box.numbers[String(cString: key)] else { return CErrorCode.argument.rawValue }
    out.pointee = value
    return CErrorCode.ok.rawValue
}

@_cdecl("conic_result_string")
public func conic_result_string(_ result: OpaquePointer?, _ key: UnsafePointer<CChar>?) -> UnsafePointer<CChar>? {
    guard let box = resultBox(result), let key else { return nil }
    return box.strings[String(cString: key)]?.pointer
}

@_cdecl("conic_result_json")
public func conic_result_json(_ result: OpaquePointer?) -> UnsafePointer<CChar>? {
    resultBox(result)?.json
}

@_cdecl("conic_result_length")
public func conic_result_length(_ result: OpaquePointer?, _ name: UnsafePointer<CChar>?) -> Int64 {
    guard let box = resultBox(result), let name, let vector = box.vectors[String(cString: name)] else { return -1 }
    return Int64(vector.count)
}

@_cdecl("conic_result_copy")
public func conic_result_copy(_ result: OpaquePointer?, _ name: UnsafePointer<CChar>?, _ out: UnsafeMutablePointer<Double>?,
                              _ length: Int64) -> Int32 {
    guard let box = resultBox(result), let name, let vector = box.vectors[String(cString: name)],
          length == Int64(vector.count) else { return CErrorCode.argument.rawValue }
    guard !vector.isEmpty else { return CErrorCode.ok.rawValue }
    guard let out else { return CErrorCode.argument.rawValue }
    vector.withUnsafeBufferPointer { out.update(from: $0.baseAddress!, count: vector.count) }
    return CErrorCode.ok.rawValue
}
