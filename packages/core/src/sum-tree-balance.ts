/**
 * The summation tree's AVL update path: insert and remove, each rebalancing and recounting every
 * node on its way back up. The rotations call `recount` (sum-tree-node.ts), lower node first.
 */
import type { ExactNum } from './exact-num.js';
import { recount, SumTreeNode } from './sum-tree-node.js';

const heightOf = (node: SumTreeNode | null): number => (node === null ? 0 : node.height);

/**
 * Right rotation; A, B, C are subtrees and keep their order:
 *
 *         y              x
 *        / \            / \
 *       x   C    =>    A   y
 *      / \                / \
 *     A   B              B   C
 *
 * y is now below x, so y is recounted first.
 */
function rotateRight(y: SumTreeNode): SumTreeNode {
  const x = y.left;
  if (x === null) return y;
  y.left = x.right;
  x.right = y;
  recount(y);
  recount(x);
  return x;
}

/**
 * Left rotation, the mirror image:
 *
 *       x                  y
 *      / \                / \
 *     A   y      =>      x   C
 *        / \            / \
 *       B   C          A   B
 *
 * x is now below y, so x is recounted first.
 */
function rotateLeft(x: SumTreeNode): SumTreeNode {
  const y = x.right;
  if (y === null) return x;
  x.right = y.left;
  y.left = x;
  recount(x);
  recount(y);
  return y;
}

/**
 * Restores the AVL balance of a node whose subtrees are balanced but may differ in height by 2,
 * and recounts it. Returns the subtree's new root. A left-right (or right-left) case first
 * rotates the child so the heavy grandchild is on the outside, then rotates the node.
 */
function balance(node: SumTreeNode): SumTreeNode {
  const skew = heightOf(node.left) - heightOf(node.right);
  if (skew > 1 && node.left !== null) {
    if (heightOf(node.left.left) < heightOf(node.left.right)) node.left = rotateLeft(node.left);
    return rotateRight(node);
  }
  if (skew < -1 && node.right !== null) {
    if (heightOf(node.right.right) < heightOf(node.right.left)) node.right = rotateRight(node.right);
    return rotateLeft(node);
  }
  recount(node);
  return node;
}

/** Inserts an absent key; every node on the way back up is rebalanced and recounted. */
export function insertAt(node: SumTreeNode | null, key: string, p: ExactNum, n: ExactNum): SumTreeNode {
  if (node === null) return new SumTreeNode(key, p, n);
  if (key < node.key) node.left = insertAt(node.left, key, p, n);
  else if (key > node.key) node.right = insertAt(node.right, key, p, n);
  // An equal key is unreachable from `setSlot`, which updates existing keys in place.
  return balance(node);
}

/** Removes a present key; returns the subtree's new root. */
export function removeAt(node: SumTreeNode, key: string): SumTreeNode | null {
  if (key < node.key) {
    if (node.left !== null) node.left = removeAt(node.left, key);
  } else if (key > node.key) {
    if (node.right !== null) node.right = removeAt(node.right, key);
  } else {
    if (node.left === null) return node.right;
    if (node.right === null) return node.left;
    // Two children: this node takes over its successor's entry, and the successor's node goes.
    let successor = node.right;
    while (successor.left !== null) successor = successor.left;
    node.key = successor.key;
    node.p = successor.p;
    node.n = successor.n;
    node.right = removeMin(node.right);
  }
  return balance(node);
}

function removeMin(node: SumTreeNode): SumTreeNode | null {
  if (node.left === null) return node.right;
  node.left = removeMin(node.left);
  return balance(node);
}
