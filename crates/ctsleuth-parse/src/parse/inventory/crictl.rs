//! The cells of `crictl pods` and `crictl ps` tables, and the sandbox and
//! container records they make; [`super::table`] finds the cells.

use super::rows::{cell, object_name, optional, required};
use crate::model::inventory::{Container, Sandbox};

/// Columns of `crictl pods`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct SandboxColumns {
    pub id: usize,
    pub created: usize,
    pub state: usize,
    pub name: usize,
    pub namespace: Option<usize>,
}

/// Columns of `crictl ps`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct ContainerColumns {
    pub id: usize,
    pub state: usize,
    pub name: usize,
    pub pod_id: Option<usize>,
    pub pod: Option<usize>,
}

/// A crictl ID: hexadecimal.
fn hex_id(cell: &str) -> Option<&str> {
    (!cell.is_empty() && cell.bytes().all(|c| c.is_ascii_hexdigit())).then_some(cell)
}

/// A `crictl pods` row.
pub(super) fn sandbox(c: &SandboxColumns, cells: &[&str]) -> Result<Sandbox, String> {
    let SandboxColumns {
        id,
        created,
        state,
        name,
        namespace,
    } = *c;
    let id = hex_id(cell(cells, id)).ok_or("a hexadecimal POD ID")?;
    let created = required(cells, created, "a CREATED time like 2 hours ago")?;
    let state = required(cells, state, "a STATE like Ready")?;
    let name = object_name(cell(cells, name)).ok_or("a pod name in the NAME column")?;
    Ok(Sandbox {
        id: id.to_owned(),
        name: name.to_owned(),
        namespace: namespace
            .and_then(|i| optional(cell(cells, i)))
            .map(str::to_owned),
        state: state.to_owned(),
        created: created.to_owned(),
    })
}

/// A `crictl ps` row (the POD column is in crictl 1.26 and later).
pub(super) fn container(c: &ContainerColumns, cells: &[&str]) -> Result<Container, String> {
    let ContainerColumns {
        id,
        state,
        name,
        pod_id,
        pod,
    } = *c;
    let id = hex_id(cell(cells, id)).ok_or("a hexadecimal CONTAINER ID")?;
    let state = required(cells, state, "a STATE like Running")?;
    let name = object_name(cell(cells, name)).ok_or("a container name in the NAME column")?;
    let pod_id = match pod_id.and_then(|i| optional(cell(cells, i))) {
        Some(text) => Some(hex_id(text).ok_or("a hexadecimal POD ID")?.to_owned()),
        None => None,
    };
    Ok(Container {
        id: id.to_owned(),
        name: name.to_owned(),
        state: state.to_owned(),
        pod_id,
        pod: pod
            .and_then(|i| optional(cell(cells, i)))
            .map(str::to_owned),
    })
}
