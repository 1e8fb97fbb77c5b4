// CurrentException.h — what the exception being handled says, for the
// error hooks the loop calls from inside its catch block (a UDP channel's
// handleError(), a hosted dispatcher's tap).
//
// What it owns: nothing. Threads: any; it reads the calling thread's
// current exception.
#pragma once

#include <exception>
#include <string>
#include <system_error>

namespace engine {

/// The message of the exception being handled, and in `code` its error
/// number when it is a std::system_error (else `code` is left as it is);
/// `unknown` when there is none or it is not a std::exception.
inline std::string currentExceptionMessage(int& code, const char* unknown) {
    const std::exception_ptr ep = std::current_exception();
    if (!ep) return unknown;
    try {
        std::rethrow_exception(ep);
    } catch (const std::system_error& e) {
        code = e.code().value();
        return e.what();
    } catch (const std::exception& e) {
        return e.what();
    } catch (...) {
        return unknown;
    }
}

}  // namespace engine
