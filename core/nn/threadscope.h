#pragma once
// Internal to core/nn: sets the OpenMP thread count of the calling thread for one call and
// restores it afterwards. oneDNN (OpenMP runtime) and our loops size their parallel regions
// from it, so a fixed count also fixes the reduction order (determinism).

#include <omp.h>

namespace lookalike::nn {

class ThreadScope {
public:
    explicit ThreadScope(int threads)
    {
        if (threads > 0) {
            m_previous = omp_get_max_threads();
            omp_set_num_threads(threads);
        }
    }
    ~ThreadScope()
    {
        if (m_previous > 0)
            omp_set_num_threads(m_previous);
    }
    ThreadScope(const ThreadScope&) = delete;
    ThreadScope& operator=(const ThreadScope&) = delete;

private:
    int m_previous = 0;
};

}  // namespace lookalike::nn
