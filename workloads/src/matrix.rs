//! The service of the matrix benchmarks (COPS's server, ATS-INTC's TCP benchmark:
//! ../shared/reference/seed-systems.md §1.10, task-controllers.md §7.2): a request's body
//! is an N×N matrix of little-endian `u32` (N the largest with 4·N² ≤ its bytes), and the
//! answer is its square (wrapping arithmetic).

use alloc::vec;
use alloc::vec::Vec;

/// Replaces `body` by the square of the matrix it holds.
pub fn square(body: &mut Vec<u8>) {
    let n = (0..)
        .take_while(|n| 4 * n * n <= body.len())
        .last()
        .unwrap_or(0);
    let a: Vec<u32> = body[..4 * n * n]
        .chunks_exact(4)
        .map(|w| u32::from_le_bytes([w[0], w[1], w[2], w[3]]))
        .collect();
    let mut product = vec![0u32; n * n];
    for i in 0..n {
        for j in 0..n {
            product[i * n + j] = (0..n).fold(0u32, |acc, k| {
                acc.wrapping_add(a[i * n + k].wrapping_mul(a[k * n + j]))
            });
        }
    }
    body.clear();
    body.extend(product.iter().flat_map(|x| x.to_le_bytes()));
}
