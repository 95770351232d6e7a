#pragma once
// Typed errors thrown by core. Messages are written for the person using the app.

#include <stdexcept>

namespace lookalike {

// The library folder or its catalog cannot be used (missing, locked, corrupt, newer schema).
class LibraryError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// Another process (the GUI, another lookalike-cli) holds the library's lock: the message names
// it ("library /x is in use by lookalike (pid 1234); close it first").
class LibraryInUseError : public LibraryError {
public:
    using LibraryError::LibraryError;
};

// One input file cannot be used; the job records it and goes on.
class FileError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// The disk is full or not writable; the job stops and keeps what was committed.
class StorageFullError : public LibraryError {
public:
    using LibraryError::LibraryError;
};

}  // namespace lookalike
